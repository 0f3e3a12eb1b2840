/*
 * sgctl: the command-line side of the app, for scripts that must do what the
 * server does without running it.
 *
 *   sgctl hash      reads a password on stdin, prints its argon2id hash
 *   sgctl genpass   prints a new random password
 *
 * Built by the Makefile from this file and src/password.c.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/password.h"

static int
cmd_hash(void)
{
	char		line[PASSWORD_MAX_BYTES + 2], hash[PASSWORD_HASH_MAX];
	size_t		len;

	if (fgets(line, sizeof(line), stdin) == NULL) {
		fprintf(stderr, "sgctl: no password on stdin\n");
		return (1);
	}
	len = strcspn(line, "\r\n");
	if (!password_hash(line, len, hash)) {
		fprintf(stderr, "sgctl: hashing failed (out of memory?)\n");
		return (1);
	}
	sodium_memzero(line, sizeof(line));
	printf("%s\n", hash);
	return (0);
}

/* 18 random bytes, base64url: 24 characters, 144 bits. */
static int
cmd_genpass(void)
{
	unsigned char	rnd[18];
	char		out[sodium_base64_ENCODED_LEN(18,
			    sodium_base64_VARIANT_URLSAFE_NO_PADDING)];

	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2base64(out, sizeof(out), rnd, sizeof(rnd),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	printf("%s\n", out);
	return (0);
}

int
main(int argc, char **argv)
{
	if (sodium_init() == -1) {
		fprintf(stderr, "sgctl: libsodium failed to initialise\n");
		return (1);
	}
	if (argc == 2 && !strcmp(argv[1], "hash"))
		return (cmd_hash());
	if (argc == 2 && !strcmp(argv[1], "genpass"))
		return (cmd_genpass());
	fprintf(stderr, "usage: sgctl hash | genpass\n");
	return (2);
}
