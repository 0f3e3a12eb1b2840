/*
 * Passwords: hashing, verification, and what makes one too weak.
 */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "password.h"
#include "validate.h"

static char	**common;
static size_t	ncommon;

static int	cmp_str(const void *, const void *);

/* Writes the encoded argon2id hash into out (PASSWORD_HASH_MAX bytes). */
int
password_hash(const char *pw, size_t len, char *out)
{
	return (crypto_pwhash_str_alg(out, pw, len, PASSWORD_OPSLIMIT,
	    PASSWORD_MEMLIMIT, crypto_pwhash_ALG_ARGON2ID13) == 0);
}

/* Constant-time by construction: libsodium recomputes the whole hash. */
int
password_verify(const char *hash, const char *pw, size_t len)
{
	if (hash == NULL || strncmp(hash, "$argon2id$", 10))
		return (0);
	return (crypto_pwhash_str_verify(hash, pw, len) == 0);
}

/*
 * A hash of nothing anyone knows, with the same cost as real ones: verifying
 * against it takes as long as verifying a real password, so an unknown
 * address answers in the same time as a wrong password. It is made once, by
 * password_dummy_init() when a worker starts, never on first use: made then,
 * it would cost an event loop 64 MiB of argon2id and make the first unknown
 * address answer in twice the time. Read-only afterwards, so task threads
 * may copy it at once.
 */
static char	dummy[PASSWORD_HASH_MAX];

int
password_dummy_init(void)
{
	unsigned char	rnd[32];

	if (dummy[0] != '\0')
		return (1);
	randombytes_buf(rnd, sizeof(rnd));
	return (password_hash((const char *)rnd, sizeof(rnd), dummy));
}

/* Copies the dummy hash into out; 0 when password_dummy_init() was not run. */
int
password_dummy_hash(char *out)
{
	if (dummy[0] == '\0')
		return (0);
	memcpy(out, dummy, sizeof(dummy));
	return (1);
}

/* NULL when the password is acceptable, else the reason in a sentence. */
const char *
password_problem(const char *pw, size_t len)
{
	size_t		i;

	if (len > PASSWORD_MAX_BYTES)
		return ("Use at most 1024 bytes.");
	if (utf8_length(pw, len) < PASSWORD_MIN_CHARS)
		return ("Use at least 12 characters.");
	for (i = 1; i < len && pw[i] == pw[0]; i++)
		;
	if (i == len || password_is_common(pw, len))
		return ("This password is too common; choose another.");
	return (NULL);
}

/* Loads the newline-separated list of common passwords (any case). */
int
password_common_load(const char *text, size_t len)
{
	const char	*p, *end, *nl;
	size_t		cap, i, n;

	cap = 0;
	for (i = 0; i < len; i++)
		if (text[i] == '\n')
			cap++;
	if ((common = calloc(cap + 1, sizeof(char *))) == NULL)
		return (0);

	ncommon = 0;
	end = text + len;
	for (p = text; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', end - p)) == NULL)
			nl = end;
		n = nl - p;
		if (n == 0 || *p == '#')
			continue;
		if ((common[ncommon] = strndup(p, n)) == NULL)
			return (0);
		for (i = 0; i < n; i++)
			common[ncommon][i] = tolower((unsigned char)p[i]);
		ncommon++;
	}
	qsort(common, ncommon, sizeof(char *), cmp_str);
	return (1);
}

int
password_is_common(const char *pw, size_t len)
{
	char		lower[PASSWORD_MAX_BYTES + 1], *key;
	size_t		i;

	if (common == NULL || len > PASSWORD_MAX_BYTES)
		return (0);
	for (i = 0; i < len; i++)
		lower[i] = tolower((unsigned char)pw[i]);
	lower[len] = '\0';
	key = lower;
	return (bsearch(&key, common, ncommon, sizeof(char *), cmp_str) != NULL);
}

static int
cmp_str(const void *a, const void *b)
{
	return (strcmp(*(char * const *)a, *(char * const *)b));
}
