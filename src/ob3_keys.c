/*
 * The Open Badges signing keys (docs/certificates.md, "Keys"). A folder,
 * SG_OB3_KEY_DIR or else SG_VAR_DIR/keys/ob3, holds NAME.key (an RSA
 * private key, PEM) and NAME.pub (its public key, PEM). Every .pub is
 * published, the .key whose NAME sorts last signs: scripts/keys names
 * keys by their creation time, so the newest signs. A retired key keeps
 * its .pub for as long as credentials it signed should verify.
 */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ob3_keys.h"

static int	 key_name(const char *, const char *, char *, size_t);
static char	*key_read(const char *, const char *, const char *);
static int	 name_cmp(const void *, const void *);

/* The folder of keys: SG_OB3_KEY_DIR, SG_VAR_DIR/keys/ob3 or var/keys/ob3. */
const char *
ob3_keys_dir(char *buf, size_t len)
{
	const char	*env;
	int		 n;

	if ((env = getenv("SG_OB3_KEY_DIR")) != NULL && env[0] != '\0')
		n = snprintf(buf, len, "%s", env);
	else if ((env = getenv("SG_VAR_DIR")) != NULL && env[0] != '\0')
		n = snprintf(buf, len, "%s/keys/ob3", env);
	else
		n = snprintf(buf, len, "var/keys/ob3");
	return (n < 0 || (size_t)n >= len ? NULL : buf);
}

/*
 * Reads the folder into keys; 0 when it cannot be read, holds no key
 * pair, more than OB3_KEYS_MAX public keys, or a signing key without its
 * .pub. A kid is jwks_url "#" NAME (a URI the JWS header's kid resolves
 * through, as OB 3.0 wants) or NAME when jwks_url is NULL.
 */
int
ob3_keys_load(const char *dir, const char *jwks_url, struct ob3_keys *keys)
{
	DIR		*d;
	struct dirent	*de;
	char		 names[OB3_KEYS_MAX][OB3_KEY_NAME_MAX + 1];
	char		 name[OB3_KEY_NAME_MAX + 1], signer[OB3_KEY_NAME_MAX + 1];
	size_t		 n, i;
	int		 ok;

	memset(keys, 0, sizeof(*keys));
	if ((d = opendir(dir)) == NULL)
		return (0);
	n = 0;
	signer[0] = '\0';
	ok = 1;
	while ((de = readdir(d)) != NULL) {
		if (key_name(de->d_name, ".pub", name, sizeof(name))) {
			if (n == OB3_KEYS_MAX) {
				ok = 0;
				break;
			}
			memcpy(names[n++], name, sizeof(name));
		} else if (key_name(de->d_name, ".key", name, sizeof(name)) &&
		    strcmp(name, signer) > 0)
			memcpy(signer, name, sizeof(name));
	}
	closedir(d);
	if (!ok || n == 0 || signer[0] == '\0')
		return (0);
	qsort(names, n, sizeof(names[0]), name_cmp);

	keys->signer = n;
	for (i = 0; i < n; i++) {
		if (jwks_url != NULL)
			ok = asprintf(&keys->kid[i], "%s#%s", jwks_url,
			    names[i]) != -1;
		else
			ok = (keys->kid[i] = strdup(names[i])) != NULL;
		keys->n = i + 1;
		if (!ok || (keys->pub[i] = key_read(dir, names[i], ".pub")) ==
		    NULL) {
			if (!ok)
				keys->kid[i] = NULL;
			ob3_keys_free(keys);
			return (0);
		}
		if (strcmp(names[i], signer) == 0)
			keys->signer = i;
	}
	if (keys->signer == n ||
	    (keys->signer_pem = key_read(dir, signer, ".key")) == NULL) {
		ob3_keys_free(keys);
		return (0);
	}
	return (1);
}

void
ob3_keys_free(struct ob3_keys *keys)
{
	size_t	i;

	for (i = 0; i < keys->n; i++) {
		free(keys->kid[i]);
		free(keys->pub[i]);
	}
	if (keys->signer_pem != NULL) {
		/* The private key does not linger in freed memory. */
		explicit_bzero(keys->signer_pem, strlen(keys->signer_pem));
		free(keys->signer_pem);
	}
	memset(keys, 0, sizeof(*keys));
}

/* NAME of "NAME.ext": letters, digits, '-', '_' and '.', not hidden. */
static int
key_name(const char *file, const char *ext, char *name, size_t len)
{
	size_t	flen, elen, i;

	flen = strlen(file);
	elen = strlen(ext);
	if (flen <= elen || flen - elen >= len || file[0] == '.' ||
	    strcmp(file + flen - elen, ext) != 0)
		return (0);
	for (i = 0; i < flen - elen; i++) {
		if (!((file[i] >= 'a' && file[i] <= 'z') ||
		    (file[i] >= 'A' && file[i] <= 'Z') ||
		    (file[i] >= '0' && file[i] <= '9') ||
		    file[i] == '-' || file[i] == '_' || file[i] == '.'))
			return (0);
		name[i] = file[i];
	}
	name[i] = '\0';
	return (1);
}

/* dir/NAME.ext, at most OB3_KEY_FILE_MAX bytes, NUL-terminated. */
static char *
key_read(const char *dir, const char *name, const char *ext)
{
	FILE	*f;
	char	*path, *buf;
	size_t	 n;

	if (asprintf(&path, "%s/%s%s", dir, name, ext) == -1)
		return (NULL);
	f = fopen(path, "r");
	free(path);
	if (f == NULL)
		return (NULL);
	if ((buf = malloc(OB3_KEY_FILE_MAX + 1)) != NULL) {
		n = fread(buf, 1, OB3_KEY_FILE_MAX + 1, f);
		if (ferror(f) || n == 0 || n > OB3_KEY_FILE_MAX) {
			explicit_bzero(buf, OB3_KEY_FILE_MAX + 1);
			free(buf);
			buf = NULL;
		} else
			buf[n] = '\0';
	}
	fclose(f);
	return (buf);
}

static int
name_cmp(const void *a, const void *b)
{
	return (strcmp(a, b));
}
