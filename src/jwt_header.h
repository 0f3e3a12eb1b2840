/*
 * A JWT's header, read before libjwt sees the token. No Kore: session.c,
 * the unit tests and the fuzz harness call it alike.
 */

#ifndef __H_JWT_HEADER_H
#define __H_JWT_HEADER_H

#include <stddef.h>

/* The largest header read, decoded; a longer one is refused. */
#define JWT_HEADER_MAX		512

int	jwt_header_kid(const char *, char *, size_t);

#endif
