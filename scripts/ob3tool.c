/*
 * build/ob3tool: the Open Badges 3.0 credential of src/ob3.c from the
 * command line, for tests/api/test_ob3.py and for looking at one.
 *
 *   ob3tool [-d keydir] [-u jwks_url] credential <input.json
 *   ob3tool [-d keydir] [-u jwks_url] sign <input.json    (compact JWS)
 *   ob3tool [-d keydir] [-u jwks_url] jwks
 *   ob3tool issuer ISSUER_ID NAME URL
 *
 * input.json holds the members of struct ob3_input by name (strings,
 * issued_at and expires_at as integers). The keys come from keydir, else
 * as the server finds them (src/ob3_keys.c).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "ob3.h"
#include "ob3_keys.h"

static void	usage(void) __attribute__((noreturn));
static json_t	*input_read(struct ob3_input *);
static int	 print_json(json_t *);
static int	 keys_open(const char *, const char *, struct ob3_keys *);

static void
usage(void)
{
	fprintf(stderr, "usage: ob3tool [-d keydir] [-u jwks_url] "
	    "credential|sign|jwks <input.json\n"
	    "       ob3tool issuer ISSUER_ID NAME URL\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct ob3_input	 in;
	struct ob3_keys		 keys;
	json_t			*doc, *c;
	const char		*dir, *url;
	char			*jws;
	int			 ch, rc;

	dir = url = NULL;
	while ((ch = getopt(argc, argv, "d:u:")) != -1) {
		switch (ch) {
		case 'd':
			dir = optarg;
			break;
		case 'u':
			url = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();

	if (!strcmp(argv[0], "issuer") && argc == 4)
		return (print_json(ob3_issuer_profile(argv[1], argv[2],
		    argv[3])));
	if (!strcmp(argv[0], "jwks") && argc == 1) {
		if (!keys_open(dir, url, &keys))
			return (1);
		rc = print_json(ob3_jwks((const char *const *)keys.kid,
		    (const char *const *)keys.pub, keys.n));
		ob3_keys_free(&keys);
		return (rc);
	}
	if (argc != 1 || (strcmp(argv[0], "credential") &&
	    strcmp(argv[0], "sign")))
		usage();

	if ((doc = input_read(&in)) == NULL)
		return (1);
	c = ob3_credential(&in);
	json_decref(doc);
	if (c == NULL) {
		fprintf(stderr, "ob3tool: the input makes no credential\n");
		return (1);
	}
	if (!strcmp(argv[0], "credential"))
		return (print_json(c));

	if (!keys_open(dir, url, &keys)) {
		json_decref(c);
		return (1);
	}
	jws = ob3_sign(c, keys.kid[keys.signer], keys.signer_pem);
	ob3_keys_free(&keys);
	json_decref(c);
	if (jws == NULL) {
		fprintf(stderr, "ob3tool: signing failed\n");
		return (1);
	}
	printf("%s\n", jws);
	free(jws);
	return (0);
}

/* The input's strings point into the returned document. */
static json_t *
input_read(struct ob3_input *in)
{
	json_t		*doc;
	json_error_t	 err;

	if ((doc = json_loadf(stdin, 0, &err)) == NULL) {
		fprintf(stderr, "ob3tool: input: %s\n", err.text);
		return (NULL);
	}
	memset(in, 0, sizeof(*in));
	if (json_unpack_ex(doc, &err, 0, "{s?s, s?s, s?s, s?s, s?s, s?s, s?s,"
	    " s?s, s?s, s?s, s?s, s?I, s?I}",
	    "credential_id", &in->credential_id,
	    "issuer_id", &in->issuer_id,
	    "issuer_name", &in->issuer_name,
	    "achievement_id", &in->achievement_id,
	    "achievement_name", &in->achievement_name,
	    "achievement_description", &in->achievement_description,
	    "criteria", &in->criteria,
	    "language", &in->language,
	    "recipient_email", &in->recipient_email,
	    "salt", &in->salt,
	    "name", &in->name,
	    "issued_at", &in->issued_at,
	    "expires_at", &in->expires_at) != 0) {
		fprintf(stderr, "ob3tool: input: %s\n", err.text);
		json_decref(doc);
		return (NULL);
	}
	return (doc);
}

static int
print_json(json_t *j)
{
	if (j == NULL) {
		fprintf(stderr, "ob3tool: failed\n");
		return (1);
	}
	json_dumpf(j, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(j);
	return (0);
}

static int
keys_open(const char *dir, const char *url, struct ob3_keys *keys)
{
	char	buf[1024];

	if (dir == NULL && (dir = ob3_keys_dir(buf, sizeof(buf))) == NULL)
		return (0);
	if (!ob3_keys_load(dir, url, keys)) {
		fprintf(stderr, "ob3tool: no usable key pair in %s\n", dir);
		return (0);
	}
	return (1);
}
