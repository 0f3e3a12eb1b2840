/*
 * The Open Badges signing keys: a folder of PEM files, read at startup.
 * NAME.key is an RSA private key, NAME.pub its public key; every .pub is
 * published in the JWKS, the .key whose NAME sorts last signs. Pure (no
 * Kore): certificates code, unit tests and build/ob3tool share it.
 */

#ifndef __H_OB3_KEYS_H
#define __H_OB3_KEYS_H

#include <stddef.h>

#define OB3_KEYS_MAX		16
#define OB3_KEY_NAME_MAX	63
#define OB3_KEY_FILE_MAX	16384

struct ob3_keys {
	size_t		 n;			/* public keys */
	char		*kid[OB3_KEYS_MAX];	/* JWKS_URL#NAME, or NAME */
	char		*pub[OB3_KEYS_MAX];	/* PEM */
	size_t		 signer;		/* index in kid[] and pub[] */
	char		*signer_pem;		/* private key, PEM */
};

const char	*ob3_keys_dir(char *, size_t);
int		 ob3_keys_load(const char *, const char *, struct ob3_keys *);
void		 ob3_keys_free(struct ob3_keys *);

#endif
