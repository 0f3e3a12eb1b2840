/*
 * sgctl: the command-line side of the app, for scripts that must do what the
 * server does without running it.
 *
 *   sgctl hash                 reads a password on stdin, prints its hash
 *   sgctl genpass              prints a new random password
 *   sgctl pack DIR OUT.zip     builds a module package from a folder
 *   sgctl check PACKAGE.zip    checks a package as an upload would
 *   sgctl import-course --as EMAIL DIR
 *                              creates a course from a folder (course.json
 *                              + module folders), owned by the account
 *                              EMAIL, through the same checks and SQL as an
 *                              upload, and publishes it as that account
 *                              through the checks and audit log of the
 *                              API's publish (content.course_publish); a
 *                              course that exists already is left alone
 *
 * Built by the Makefile from this file and the pure modules of src/.
 */

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <libpq-fe.h>
#include <zip.h>

#include "../src/package.h"
#include "../src/password.h"

/* lessons/ and media/ need one; a few more for media/ kept in folders. */
#define PACK_MAX_DEPTH	4

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

static int
name_cmp(const void *a, const void *b)
{
	return (strcmp(*(char * const *)a, *(char * const *)b));
}

/*
 * Adds the regular files of dir, and of its folders down to PACK_MAX_DEPTH
 * levels, under prefix. Symbolic links are refused, not followed: an
 * upload refuses them too, a link can reach files outside the folder, and
 * one to a folder above would loop.
 */
static int
pack_dir(zip_t *za, const char *dir, const char *prefix, int depth)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	st;
	char		path[4096], name[1024], *names[PKG_MAX_ENTRIES];
	size_t		n, i;
	zip_source_t	*src;
	int		ok;

	if (depth > PACK_MAX_DEPTH) {
		fprintf(stderr, "sgctl: %s is more than %d folders deep\n", dir,
		    PACK_MAX_DEPTH);
		return (0);
	}
	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "sgctl: cannot open %s: %s\n", dir,
		    strerror(errno));
		return (0);
	}
	n = 0;
	ok = 1;
	while (ok && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == PKG_MAX_ENTRIES) {
			fprintf(stderr, "sgctl: %s holds more than %d files; a "
			    "package may hold %d\n", dir, PKG_MAX_ENTRIES,
			    PKG_MAX_ENTRIES);
			ok = 0;
		} else if ((names[n] = strdup(de->d_name)) == NULL) {
			fprintf(stderr, "sgctl: out of memory\n");
			ok = 0;
		} else {
			n++;
		}
	}
	closedir(d);
	qsort(names, n, sizeof(char *), name_cmp);

	for (i = 0; ok && i < n; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    names[i]) >= sizeof(path) || (size_t)snprintf(name,
		    sizeof(name) - 1, "%s%s", prefix, names[i]) >=
		    sizeof(name) - 1) {
			fprintf(stderr, "sgctl: %s/%s: name too long\n", dir,
			    names[i]);
			ok = 0;
		} else if (lstat(path, &st) == -1) {
			fprintf(stderr, "sgctl: cannot read %s: %s\n", path,
			    strerror(errno));
			ok = 0;
		} else if (S_ISLNK(st.st_mode)) {
			fprintf(stderr, "sgctl: %s is a symbolic link; a "
			    "package holds only files and folders (copy the "
			    "file in)\n", path);
			ok = 0;
		} else if (S_ISDIR(st.st_mode)) {
			(void)strcat(name, "/");	/* room kept above */
			ok = pack_dir(za, path, name, depth + 1);
		} else if (!S_ISREG(st.st_mode)) {
			fprintf(stderr, "sgctl: %s is not a regular file\n",
			    path);
			ok = 0;
		} else if ((src = zip_source_file(za, path, 0, -1)) == NULL ||
		    zip_file_add(za, name, src, ZIP_FL_ENC_UTF_8) < 0) {
			fprintf(stderr, "sgctl: cannot add %s: %s\n", path,
			    zip_strerror(za));
			if (src != NULL)
				zip_source_free(src);
			ok = 0;
		}
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	return (ok);
}

static int
cmd_pack(const char *dir, const char *out)
{
	zip_t	*za;
	int	err;

	if ((za = zip_open(out, ZIP_CREATE | ZIP_TRUNCATE, &err)) == NULL) {
		fprintf(stderr, "sgctl: cannot create %s\n", out);
		return (1);
	}
	if (!pack_dir(za, dir, "", 0)) {
		zip_discard(za);
		return (1);
	}
	if (zip_close(za) != 0) {
		fprintf(stderr, "sgctl: cannot write %s\n", out);
		return (1);
	}
	return (0);
}

static unsigned char *
read_file(const char *path, size_t *len)
{
	FILE		*fp;
	unsigned char	*buf;
	long		size;

	if ((fp = fopen(path, "rb")) == NULL)
		return (NULL);
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	rewind(fp);
	buf = malloc(size > 0 ? size : 1);
	*len = fread(buf, 1, size, fp);
	fclose(fp);
	return (buf);
}

static void
print_problems(const char *what, json_t *problems)
{
	size_t	i;
	json_t	*p;

	fprintf(stderr, "sgctl: %s has %zu problem(s):\n", what,
	    json_array_size(problems));
	json_array_foreach(problems, i, p) {
		fprintf(stderr, "  %s:%lld:%lld: %s [%s]\n",
		    json_string_value(json_object_get(p, "file")),
		    json_integer_value(json_object_get(p, "line")),
		    json_integer_value(json_object_get(p, "column")),
		    json_string_value(json_object_get(p, "message")),
		    json_string_value(json_object_get(p, "code")));
	}
}

/*
 * Parses a package (and frees zip); on problems prints them, as named by
 * what, and returns NULL.
 */
static json_t *
parse_reporting(const char *what, unsigned char *zip, size_t len)
{
	json_t		*problems, *doc;

	problems = json_array();
	doc = package_parse(zip, len, problems);
	free(zip);
	if (doc == NULL)
		print_problems(what, problems);
	json_decref(problems);
	return (doc);
}

/* Packs a module folder and runs the upload checks: the document or NULL. */
static char *
module_doc(const char *dir)
{
	char		tmp[] = "/tmp/sgctl-XXXXXX";
	unsigned char	*zip;
	size_t		len;
	json_t		*doc;
	char		*text;
	int		fd;

	if ((fd = mkstemp(tmp)) == -1)
		return (NULL);
	close(fd);
	if (cmd_pack(dir, tmp) != 0 || (zip = read_file(tmp, &len)) == NULL) {
		unlink(tmp);
		return (NULL);
	}
	unlink(tmp);
	if ((doc = parse_reporting(dir, zip, len)) == NULL)
		return (NULL);
	text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	return (text);
}

static int
cmd_check(const char *path)
{
	unsigned char	*zip;
	size_t		len;
	json_t		*doc;

	if ((zip = read_file(path, &len)) == NULL) {
		fprintf(stderr, "sgctl: cannot read %s\n", path);
		return (1);
	}
	if ((doc = parse_reporting(path, zip, len)) == NULL)
		return (1);
	printf("%s: ok, %zu lesson(s)\n", path,
	    json_array_size(json_object_get(doc, "lessons")));
	json_decref(doc);
	return (0);
}

static PGresult *
exec(PGconn *db, const char *sql, int n, const char **params)
{
	PGresult	*res;

	res = PQexecParams(db, sql, n, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK &&
	    PQresultStatus(res) != PGRES_COMMAND_OK) {
		fprintf(stderr, "sgctl: %s", PQerrorMessage(db));
		PQclear(res);
		return (NULL);
	}
	return (res);
}

/* DATABASE_URL's server, or NULL after saying why. */
static PGconn *
db_connect(void)
{
	PGconn		*db;
	const char	*url;

	if ((url = getenv("DATABASE_URL")) == NULL) {
		fprintf(stderr, "sgctl: DATABASE_URL is not set\n");
		return (NULL);
	}
	db = PQconnectdb(url);
	if (PQstatus(db) != CONNECTION_OK) {
		fprintf(stderr, "sgctl: %s", PQerrorMessage(db));
		PQfinish(db);
		return (NULL);
	}
	return (db);
}

/* The id of the active account with that address: whom sgctl acts as. */
static int
actor_lookup(PGconn *db, const char *email, char *id, size_t len)
{
	PGresult	*res;
	const char	*params[1];

	params[0] = email;
	if ((res = exec(db, "SELECT id FROM users WHERE lower(email) = "
	    "lower($1) AND erased_at IS NULL AND disabled_at IS NULL", 1,
	    params)) == NULL)
		return (0);
	if (PQntuples(res) != 1) {
		fprintf(stderr, "sgctl: no active account has the address "
		    "%s\n", email);
		PQclear(res);
		return (0);
	}
	(void)snprintf(id, len, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return (1);
}

/* Packs, checks and imports one module folder into the course. */
static int
import_module(PGconn *db, const char *course_id, const char *dir)
{
	PGresult	*res;
	const char	*params[2];
	char		*doc;

	if ((doc = module_doc(dir)) == NULL)
		return (0);
	params[0] = course_id;
	params[1] = doc;
	res = exec(db, "SELECT content.module_import($1, $2::jsonb)", 2, params);
	free(doc);
	if (res == NULL)
		return (0);
	PQclear(res);
	return (1);
}

/*
 * In the caller's transaction: creates the course owned by the account
 * actor, imports its modules, and publishes it as that account through
 * content.course_publish, the checks and audit log of api.course_publish.
 */
static int
import_course(PGconn *db, const char *dir, const char *actor, json_t *course)
{
	PGresult	*res;
	json_t		*mods, *m;
	const char	*params[2];
	char		path[4096], course_id[64], *cdoc;
	size_t		i;
	int		ok;

	mods = json_incref(json_object_get(course, "modules"));
	json_object_del(course, "modules");
	cdoc = json_dumps(course, JSON_COMPACT);
	params[0] = actor;
	params[1] = cdoc;
	res = exec(db, "SELECT (content.course_upsert($1, $2::jsonb)).id", 2,
	    params);
	free(cdoc);
	if ((ok = res != NULL)) {
		(void)snprintf(course_id, sizeof(course_id), "%s",
		    PQgetvalue(res, 0, 0));
		PQclear(res);
	}
	json_array_foreach(mods, i, m) {
		if (!ok)
			break;
		(void)snprintf(path, sizeof(path), "%s/%s", dir,
		    json_string_value(m));
		ok = import_module(db, course_id, path);
	}
	json_decref(mods);
	if (!ok)
		return (0);

	params[0] = course_id;
	params[1] = actor;
	if ((res = exec(db, "SELECT content.course_publish($1, $2, true, "
	    "'sgctl')", 2, params)) == NULL)
		return (0);
	PQclear(res);
	return (1);
}

/* 1 when a course has the slug of course.json, 0 when none, -1 on error. */
static int
course_exists(PGconn *db, json_t *course)
{
	PGresult	*res;
	const char	*params[1];
	int		n;

	params[0] = json_string_value(json_object_get(course, "slug"));
	if ((res = exec(db, "SELECT 1 FROM courses WHERE slug = $1", 1,
	    params)) == NULL)
		return (-1);
	n = PQntuples(res);
	PQclear(res);
	if (n > 0)
		printf("sgctl: course %s exists, left as it is\n", params[0]);
	return (n > 0);
}

static int
cmd_import_course(const char *dir, const char *email)
{
	PGconn		*db;
	json_t		*course;
	json_error_t	jerr;
	char		path[4096], actor[64];
	int		rc;

	(void)snprintf(path, sizeof(path), "%s/course.json", dir);
	if ((course = json_load_file(path, 0, &jerr)) == NULL) {
		fprintf(stderr, "sgctl: %s:%d:%d: %s\n", path, jerr.line,
		    jerr.column, jerr.text);
		return (1);
	}
	if ((db = db_connect()) == NULL) {
		json_decref(course);
		return (1);
	}

	/* One transaction: the whole course or nothing. */
	if ((rc = course_exists(db, course)) == 0) {
		PQclear(exec(db, "BEGIN", 0, NULL));
		if (actor_lookup(db, email, actor, sizeof(actor)) &&
		    import_course(db, dir, actor, course)) {
			PQclear(exec(db, "COMMIT", 0, NULL));
			printf("sgctl: imported and published %s\n", dir);
		} else {
			PQclear(exec(db, "ROLLBACK", 0, NULL));
			rc = 1;
		}
	} else {
		rc = rc == 1 ? 0 : 1;
	}
	json_decref(course);
	PQfinish(db);
	return (rc);
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
	if (argc == 4 && !strcmp(argv[1], "pack"))
		return (cmd_pack(argv[2], argv[3]));
	if (argc == 3 && !strcmp(argv[1], "check"))
		return (cmd_check(argv[2]));
	if (argc == 5 && !strcmp(argv[1], "import-course") &&
	    !strcmp(argv[2], "--as"))
		return (cmd_import_course(argv[4], argv[3]));
	fprintf(stderr, "usage: sgctl hash | genpass | pack DIR OUT.zip | "
	    "check PACKAGE.zip | import-course --as EMAIL DIR\n");
	return (2);
}
