/*
 * Certificate codes: what a verifier types or scans (src/cert_code.c).
 */

#ifndef __H_CERT_CODE_H
#define __H_CERT_CODE_H

#include <stddef.h>
#include <stdint.h>

#define CERT_CODE_BYTES		10	/* 80 random bits */
#define CERT_CODE_LEN		19	/* XXXX-XXXX-XXXX-XXXX */

void	cert_code_format(const uint8_t *, char *, size_t);
int	cert_code_new(char *, size_t);
int	cert_code_normalise(const char *, char *, size_t);

#endif
