/*
 * Passwords: argon2id hashing through libsodium, and the rules a new
 * password must meet. No Kore, no database: the unit tests and sgctl link
 * this file on its own.
 */

#ifndef __H_PASSWORD_H
#define __H_PASSWORD_H

#include <stddef.h>

#include <sodium.h>

#define PASSWORD_HASH_MAX	crypto_pwhash_STRBYTES
#define PASSWORD_MIN_CHARS	12
#define PASSWORD_MAX_BYTES	1024

/* argon2id, libsodium's "interactive" cost: 2 passes over 64 MiB. */
#define PASSWORD_OPSLIMIT	crypto_pwhash_OPSLIMIT_INTERACTIVE
#define PASSWORD_MEMLIMIT	crypto_pwhash_MEMLIMIT_INTERACTIVE

int		password_hash(const char *, size_t, char *);
int		password_verify(const char *, const char *, size_t);
const char	*password_problem(const char *, size_t);
int		password_common_load(const char *, size_t);
int		password_is_common(const char *, size_t);
int		password_dummy_init(void);
int		password_dummy_hash(char *);

#endif
