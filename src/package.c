/*
 * Module packages: validation and conversion.
 *
 * The archive is checked as a whole before any file is read: entry count,
 * names (no absolute paths, no "..", no duplicates), no symbolic links, no
 * encryption, sizes and compression ratios. Then every file is read with a
 * cap, every problem is collected with its file and line, and only a
 * package with none becomes a document. Markdown is rendered here, once,
 * by cmark in safe mode; media references are rewritten to their hashes.
 * module.json itself is checked in package_manifest.c.
 */

#include <sys/stat.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmark.h>
#include <sodium.h>
#include <zip.h>

#include "jsonpath.h"
#include "package.h"
#include "package_int.h"
#include "validate.h"

static void	problem_add(struct pkg *, const char *, const char *, size_t,
		    size_t, const char *, const char *);
static int	pkg_open(struct pkg *, const void *, size_t);
static json_t	*pkg_manifest(struct pkg *);
static json_t	*pkg_document(struct pkg *, json_t *, const void *, size_t);
static void	pkg_problems_more(struct pkg *);
static int	pkg_scan(struct pkg *);
static int	pkg_entry_ok(struct pkg *, zip_uint64_t, zip_stat_t *);
static int	pkg_name_ok(struct pkg *, const char *);
static const char	*sniff(const unsigned char *, size_t);
static void	pkg_media(struct pkg *);
static void	pkg_free(struct pkg *);

/* A problem in a file of the package, at a line and column when known. */
void
pkg_problem(struct pkg *p, const char *file, size_t line, size_t col,
    const char *code, const char *fmt, ...)
{
	va_list		ap;
	char		msg[512];

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	problem_add(p, file, NULL, line, col, code, msg);
}

/*
 * A problem with the value at path in module.json: its line and column are
 * where that value starts, or where the object lacking it starts.
 */
void
pkg_mproblem(struct pkg *p, const char *path, const char *code,
    const char *fmt, ...)
{
	va_list		ap;
	char		msg[512];
	size_t		line, col;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	line = col = 0;
	if (p->manifest != NULL && p->nproblems < PKG_MAX_PROBLEMS)
		(void)jsonpath_locate(p->manifest, p->manifest_len, path,
		    &line, &col);
	problem_add(p, "module.json", path, line, col, code, msg);
}

/* Past PKG_MAX_PROBLEMS problems are counted, not listed (nor located). */
static void
problem_add(struct pkg *p, const char *file, const char *path, size_t line,
    size_t col, const char *code, const char *msg)
{
	json_t		*o;

	if (p->nproblems++ >= PKG_MAX_PROBLEMS)
		return;
	o = json_pack("{s:s, s:s, s:s}", "file", file, "code", code,
	    "message", msg);
	if (path != NULL)
		json_object_set_new(o, "path", json_string(path));
	if (line > 0)
		json_object_set_new(o, "line", json_integer(line));
	if (col > 0)
		json_object_set_new(o, "column", json_integer(col));
	json_array_append_new(p->problems, o);
}

json_t *
package_parse(const void *zipdata, size_t len, json_t *problems)
{
	struct pkg		p;
	json_t			*manifest, *doc;

	memset(&p, 0, sizeof(p));
	p.problems = problems;
	if (!pkg_open(&p, zipdata, len))
		return (NULL);

	/* Structure first: a hostile archive is refused before any read. */
	doc = NULL;
	if (pkg_scan(&p) && (manifest = pkg_manifest(&p)) != NULL) {
		pkg_media(&p);
		doc = pkg_module(&p, manifest);
		json_decref(manifest);
		doc = pkg_document(&p, doc, zipdata, len);
	}
	pkg_problems_more(&p);
	pkg_free(&p);
	return (doc);
}

/* Opens the archive from memory; 0 (with the problem) when it cannot. */
static int
pkg_open(struct pkg *p, const void *zipdata, size_t len)
{
	zip_source_t		*src;
	zip_error_t		zerr;

	zip_error_init(&zerr);
	if ((src = zip_source_buffer_create(zipdata, len, 0, &zerr)) == NULL ||
	    (p->za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS,
	    &zerr)) == NULL) {
		if (src != NULL)
			zip_source_free(src);
		if (zip_error_code_zip(&zerr) == ZIP_ER_EXISTS)
			pkg_problem(p, "(package)", 0, 0, "duplicate_name", "Two "
			    "files in the package have the same name; each "
			    "name may appear once.");
		else
			pkg_problem(p, "(package)", 0, 0, "not_a_zip", "This is "
			    "not a readable zip file: %s",
			    zip_error_strerror(&zerr));
		zip_error_fini(&zerr);
		return (0);
	}
	zip_error_fini(&zerr);
	return (1);
}

/* module.json, read with its cap and parsed; NULL (with the problem). */
static json_t *
pkg_manifest(struct pkg *p)
{
	struct pkg_entry	*mj;
	json_t			*manifest;
	json_error_t		jerr;

	if ((mj = pkg_find(p, "module.json")) == NULL) {
		pkg_problem(p, "module.json", 0, 0, "no_manifest", "The package "
		    "has no module.json at its top level.");
		return (NULL);
	}
	if (mj->size > PKG_MAX_MANIFEST) {
		pkg_problem(p, "module.json", 0, 0, "file_too_large", "module.json "
		    "is larger than %d KB.", PKG_MAX_MANIFEST / 1024);
		return (NULL);
	}
	if (!pkg_read(p, mj))
		return (NULL);
	manifest = json_loadb((const char *)mj->data, mj->len,
	    JSON_REJECT_DUPLICATES, &jerr);
	if (manifest == NULL) {
		pkg_problem(p, "module.json", jerr.line > 0 ? jerr.line : 0,
		    jerr.column > 0 ? jerr.column : 0, "invalid_json", "Not "
		    "valid JSON: %s (at byte %d).", jerr.text, jerr.position);
		return (NULL);
	}
	p->manifest = (const char *)mj->data;
	p->manifest_len = mj->len;
	return (manifest);
}

/*
 * The module document, completed with the package's hash and media, when
 * nothing was found wrong; else NULL.
 */
static json_t *
pkg_document(struct pkg *p, json_t *doc, const void *zipdata, size_t len)
{
	unsigned char		digest[crypto_hash_sha256_BYTES];
	char			hex[65];

	if (doc != NULL && p->nproblems > 0) {
		json_decref(doc);
		return (NULL);
	}
	if (doc != NULL) {
		crypto_hash_sha256(digest, zipdata, len);
		sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
		json_object_set_new(doc, "package_sha256", json_string(hex));
		json_object_set(doc, "media", p->media);
	}
	return (doc);
}

/* Says how many problems past PKG_MAX_PROBLEMS went unlisted. */
static void
pkg_problems_more(struct pkg *p)
{
	char		msg[160];

	if (p->nproblems <= PKG_MAX_PROBLEMS)
		return;
	(void)snprintf(msg, sizeof(msg), "%zu more problem(s) were found but "
	    "are not listed; fix these first.",
	    p->nproblems - PKG_MAX_PROBLEMS);
	json_array_append_new(p->problems, json_pack("{s:s, s:s, s:s}",
	    "file", "(package)", "code", "too_many_problems", "message", msg));
}

/* Checks every entry's header; returns 0 when the archive is unsafe. */
static int
pkg_scan(struct pkg *p)
{
	zip_int64_t	n;
	zip_uint64_t	i, total;
	zip_stat_t	st;
	size_t		before;

	before = p->nproblems;
	if ((n = zip_get_num_entries(p->za, 0)) < 0 || n > PKG_MAX_ENTRIES) {
		pkg_problem(p, "(package)", 0, 0, "too_many_files", "The package "
		    "has too many files (at most %d).", PKG_MAX_ENTRIES);
		return (0);
	}
	p->entries = calloc(n ? n : 1, sizeof(struct pkg_entry));
	p->media = json_array();
	total = 0;

	for (i = 0; i < (zip_uint64_t)n; i++) {
		if (!pkg_entry_ok(p, i, &st))
			continue;
		total += st.size;
		if (st.name[strlen(st.name) - 1] == '/')
			continue;
		p->entries[p->nentries].name = strdup(st.name);
		p->entries[p->nentries].index = i;
		p->entries[p->nentries].size = st.size;
		p->nentries++;
	}

	if (total > PKG_MAX_TOTAL) {
		pkg_problem(p, "(package)", 0, 0, "total_too_large", "The files "
		    "add up to more than %d MB uncompressed.",
		    PKG_MAX_TOTAL / (1024 * 1024));
	}
	return (p->nproblems == before);
}

/*
 * Checks entry i's header (*st): its name, no encryption, no symbolic
 * link, its size and its compression ratio. 0 (with the problem) skips it.
 */
static int
pkg_entry_ok(struct pkg *p, zip_uint64_t i, zip_stat_t *st)
{
	zip_uint8_t	opsys;
	zip_uint32_t	attr;

	if (zip_stat_index(p->za, i, 0, st) != 0 ||
	    !(st->valid & ZIP_STAT_NAME) || !(st->valid & ZIP_STAT_SIZE)) {
		pkg_problem(p, "(package)", 0, 0, "unreadable_entry",
		    "Entry %llu cannot be read.", (unsigned long long)i);
		return (0);
	}
	if (!pkg_name_ok(p, st->name))
		return (0);
	if ((st->valid & ZIP_STAT_ENCRYPTION_METHOD) &&
	    st->encryption_method != ZIP_EM_NONE) {
		pkg_problem(p, st->name, 0, 0, "encrypted", "Encrypted "
		    "files are not accepted.");
		return (0);
	}
	if (zip_file_get_external_attributes(p->za, i, 0, &opsys,
	    &attr) == 0 && opsys == ZIP_OPSYS_UNIX && S_ISLNK(attr >> 16)) {
		pkg_problem(p, st->name, 0, 0, "symlink", "Symbolic links "
		    "are not accepted.");
		return (0);
	}
	if (st->size > PKG_MAX_FILE) {
		pkg_problem(p, st->name, 0, 0, "file_too_large", "This "
		    "file is larger than %d MB.", PKG_MAX_FILE / (1024 * 1024));
		return (0);
	}
	if (st->size >= PKG_RATIO_MIN_BYTES &&
	    st->size / (st->comp_size ? st->comp_size : 1) > PKG_MAX_RATIO) {
		pkg_problem(p, st->name, 0, 0, "zip_bomb", "This file "
		    "compresses more than %d to 1: refused as a "
		    "possible zip bomb.", PKG_MAX_RATIO);
		return (0);
	}
	return (1);
}

/* Names: relative, no "..", no backslashes, no controls, no repeats. */
static int
pkg_name_ok(struct pkg *p, const char *name)
{
	const char	*seg;
	size_t		i, len, line, col;

	len = strlen(name);
	if (len == 0 || len > 200 || !utf8_check(name, len, &line, &col) ||
	    has_control_chars(name)) {
		pkg_problem(p, "(package)", 0, 0, "bad_name", "A file name is "
		    "empty, too long or not valid UTF-8.");
		return (0);
	}
	if (name[0] == '/' || strchr(name, '\\') != NULL ||
	    (len > 1 && name[1] == ':')) {
		pkg_problem(p, name, 0, 0, "absolute_path", "Absolute paths are "
		    "not accepted.");
		return (0);
	}
	for (seg = name; seg != NULL; seg = strchr(seg, '/')) {
		if (*seg == '/')
			seg++;
		if (!strncmp(seg, "..", 2) && (seg[2] == '/' || seg[2] == '\0')) {
			pkg_problem(p, name, 0, 0, "parent_path", "Paths with "
			    "\"..\" are not accepted.");
			return (0);
		}
	}
	for (i = 0; i < p->nentries; i++) {
		if (!strcmp(p->entries[i].name, name)) {
			pkg_problem(p, name, 0, 0, "duplicate_name", "Two files in "
			    "the package have the same name; each name may "
			    "appear once.");
			return (0);
		}
	}
	return (1);
}

struct pkg_entry *
pkg_find(struct pkg *p, const char *name)
{
	size_t	i;

	for (i = 0; i < p->nentries; i++) {
		if (!strcmp(p->entries[i].name, name))
			return (&p->entries[i]);
	}
	return (NULL);
}

/*
 * Reads an entry, never more than its header announced: an entry that
 * inflates past its declared size is refused.
 */
int
pkg_read(struct pkg *p, struct pkg_entry *e)
{
	zip_file_t	*zf;
	zip_int64_t	n;
	size_t		cap;

	if (e->data != NULL)
		return (1);
	if ((zf = zip_fopen_index(p->za, e->index, 0)) == NULL) {
		pkg_problem(p, e->name, 0, 0, "unreadable_entry", "This file "
		    "cannot be read: %s", zip_strerror(p->za));
		return (0);
	}
	cap = e->size + 1;
	e->data = malloc(cap + 1);
	e->len = 0;
	while (e->len < cap) {
		n = zip_fread(zf, e->data + e->len, cap - e->len);
		if (n < 0) {
			pkg_problem(p, e->name, 0, 0, "damaged", "This file is "
			    "damaged: %s", zip_file_strerror(zf));
			zip_fclose(zf);
			return (0);
		}
		if (n == 0)
			break;
		e->len += n;
	}
	zip_fclose(zf);
	if (e->len != e->size) {
		pkg_problem(p, e->name, 0, 0, "damaged", "This file's size does "
		    "not match its header.");
		return (0);
	}
	e->data[e->len] = '\0';
	return (1);
}

/* What a media file is, judged by its bytes, or NULL when not allowed. */
static const char *
sniff(const unsigned char *d, size_t len)
{
	size_t		line, col, off;

	if (len >= 8 && !memcmp(d, "\x89PNG\r\n\x1a\n", 8))
		return ("image/png");
	if (len >= 3 && !memcmp(d, "\xff\xd8\xff", 3))
		return ("image/jpeg");
	if (len >= 6 && (!memcmp(d, "GIF87a", 6) || !memcmp(d, "GIF89a", 6)))
		return ("image/gif");
	if (len >= 12 && !memcmp(d, "RIFF", 4) && !memcmp(d + 8, "WEBP", 4))
		return ("image/webp");
	if (len >= 5 && !memcmp(d, "%PDF-", 5))
		return ("application/pdf");

	/* Text: valid UTF-8 without NULs; WebVTT when it says so. */
	if (!utf8_check((const char *)d, len, &line, &col))
		return (NULL);
	off = (len >= 3 && !memcmp(d, "\xef\xbb\xbf", 3)) ? 3 : 0;
	if (len - off >= 6 && !memcmp(d + off, "WEBVTT", 6))
		return ("text/vtt; charset=utf-8");
	if (memchr(d, '<', len) != NULL)
		return (NULL);	/* markup could be served as a page: refuse */
	return ("text/plain; charset=utf-8");
}

/* Every file under media/: sniffed, hashed, base64 for the database. */
static void
pkg_media(struct pkg *p)
{
	struct pkg_entry	*e;
	unsigned char		digest[crypto_hash_sha256_BYTES];
	char			*b64;
	size_t			i, b64len;

	for (i = 0; i < p->nentries; i++) {
		e = &p->entries[i];
		if (strncmp(e->name, "media/", 6) || !pkg_read(p, e))
			continue;
		if ((e->ctype = sniff(e->data, e->len)) == NULL) {
			pkg_problem(p, e->name, 0, 0, "media_type", "This kind of "
			    "file is not accepted; use PNG, JPEG, GIF, WebP, "
			    "PDF, WebVTT or plain text.");
			continue;
		}
		crypto_hash_sha256(digest, e->data, e->len);
		sodium_bin2hex(e->sha256, sizeof(e->sha256), digest,
		    sizeof(digest));

		b64len = sodium_base64_ENCODED_LEN(e->len,
		    sodium_base64_VARIANT_ORIGINAL);
		b64 = malloc(b64len);
		sodium_bin2base64(b64, b64len, e->data, e->len,
		    sodium_base64_VARIANT_ORIGINAL);
		json_array_append_new(p->media, json_pack("{s:s, s:s, s:I, s:s}",
		    "sha256", e->sha256, "content_type", e->ctype,
		    "size", (json_int_t)e->len, "data", b64));
		free(b64);
	}
}

/*
 * Markdown to HTML. Links and images pointing into media/ become media
 * URLs by hash; one naming a missing file is a problem on its line.
 * Headings go down one level (# becomes <h2>, ###### stays <h6>): the
 * lesson's page has its title as its one <h1>.
 * cmark's safe mode drops raw HTML and javascript:, vbscript:, file: and
 * data: (but images) links.
 */
char *
pkg_render(struct pkg *p, const char *file, const char *md, size_t len)
{
	cmark_node		*root, *node;
	cmark_iter		*it;
	cmark_event_type	ev;
	cmark_node_type		type;
	struct pkg_entry	*e;
	const char		*url;
	char			newurl[128], *html;
	size_t			before;
	int			level;

	before = p->nproblems;
	root = cmark_parse_document(md, len, CMARK_OPT_DEFAULT);
	it = cmark_iter_new(root);
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		node = cmark_iter_get_node(it);
		type = cmark_node_get_type(node);
		if (ev != CMARK_EVENT_ENTER)
			continue;
		if (type == CMARK_NODE_HEADING) {
			if ((level = cmark_node_get_heading_level(node)) < 6)
				(void)cmark_node_set_heading_level(node,
				    level + 1);
			continue;
		}
		if ((type != CMARK_NODE_IMAGE && type != CMARK_NODE_LINK) ||
		    (url = cmark_node_get_url(node)) == NULL)
			continue;
		if (!strncmp(url, "../", 3))
			url += 3;
		if (strncmp(url, "media/", 6))
			continue;
		if ((e = pkg_find(p, url)) == NULL || e->ctype == NULL) {
			pkg_problem(p, file, cmark_node_get_start_line(node),
			    cmark_node_get_start_column(node), "missing_media",
			    "This links to %s, which is not an accepted file "
			    "in the package.", url);
			continue;
		}
		(void)snprintf(newurl, sizeof(newurl), "%s%s", PKG_MEDIA_URL,
		    e->sha256);
		cmark_node_set_url(node, newurl);
	}
	cmark_iter_free(it);

	html = NULL;
	if (p->nproblems == before)
		html = cmark_render_html(root, CMARK_OPT_SAFE);
	cmark_node_free(root);
	return (html);
}

static void
pkg_free(struct pkg *p)
{
	size_t	i;

	for (i = 0; i < p->nentries; i++) {
		free(p->entries[i].name);
		free(p->entries[i].data);
	}
	free(p->entries);
	if (p->media != NULL)
		json_decref(p->media);
	if (p->za != NULL)
		zip_discard(p->za);
}
