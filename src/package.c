/*
 * Module packages: validation and conversion.
 *
 * The archive is checked as a whole before any file is read: entry count,
 * names (no absolute paths, no "..", no duplicates), no symbolic links, no
 * encryption, sizes and compression ratios. Then every file is read with a
 * cap, every problem is collected with its file and line, and only a
 * package with none becomes a document. Markdown is rendered here, once,
 * by cmark in safe mode; media references are rewritten to their hashes.
 */

#include <sys/stat.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmark.h>
#include <sodium.h>
#include <zip.h>

#include "package.h"
#include "validate.h"

struct pkg_entry {
	char		*name;
	zip_uint64_t	index;
	zip_uint64_t	size;
	char		sha256[65];
	const char	*ctype;
	unsigned char	*data;
	size_t		len;
};

struct pkg {
	zip_t			*za;
	json_t			*problems;
	struct pkg_entry	*entries;
	size_t			nentries;
	json_t			*media;
};

static void	problem(struct pkg *, const char *, size_t, size_t,
		    const char *, ...) __attribute__((format(printf, 5, 6)));
static int	pkg_scan(struct pkg *);
static int	pkg_name_ok(struct pkg *, const char *);
static struct pkg_entry	*pkg_find(struct pkg *, const char *);
static int	pkg_read(struct pkg *, struct pkg_entry *);
static const char	*sniff(const unsigned char *, size_t);
static void	pkg_media(struct pkg *);
static json_t	*pkg_module(struct pkg *, json_t *);
static json_t	*pkg_lesson(struct pkg *, json_t *, size_t, json_t *);
static char	*pkg_render(struct pkg *, const char *, const char *, size_t);
static json_t	*pkg_quiz(struct pkg *, json_t *, json_t *);
static void	pkg_free(struct pkg *);

static void
problem(struct pkg *p, const char *file, size_t line, size_t col,
    const char *fmt, ...)
{
	va_list		ap;
	char		msg[512];
	json_t		*o;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	o = json_pack("{s:s, s:s}", "file", file, "message", msg);
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
	zip_source_t		*src;
	zip_error_t		zerr;
	struct pkg_entry	*mj;
	json_t			*manifest, *doc;
	json_error_t		jerr;
	unsigned char		digest[crypto_hash_sha256_BYTES];
	char			hex[65];

	memset(&p, 0, sizeof(p));
	p.problems = problems;
	doc = NULL;

	zip_error_init(&zerr);
	if ((src = zip_source_buffer_create(zipdata, len, 0, &zerr)) == NULL ||
	    (p.za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS,
	    &zerr)) == NULL) {
		if (src != NULL)
			zip_source_free(src);
		if (zip_error_code_zip(&zerr) == ZIP_ER_EXISTS)
			problem(&p, "(package)", 0, 0, "Two files in the package "
			    "have the same name; each name may appear once.");
		else
			problem(&p, "(package)", 0, 0, "This is not a readable "
			    "zip file: %s", zip_error_strerror(&zerr));
		zip_error_fini(&zerr);
		return (NULL);
	}
	zip_error_fini(&zerr);

	/* Structure first: a hostile archive is refused before any read. */
	if (!pkg_scan(&p))
		goto out;

	if ((mj = pkg_find(&p, "module.json")) == NULL) {
		problem(&p, "module.json", 0, 0, "The package has no "
		    "module.json at its top level.");
		goto out;
	}
	if (!pkg_read(&p, mj))
		goto out;
	manifest = json_loadb((const char *)mj->data, mj->len,
	    JSON_REJECT_DUPLICATES, &jerr);
	if (manifest == NULL) {
		problem(&p, "module.json", jerr.line > 0 ? jerr.line : 0,
		    jerr.column > 0 ? jerr.column : 0, "Not valid JSON: %s "
		    "(at byte %d).", jerr.text, jerr.position);
		goto out;
	}

	pkg_media(&p);
	doc = pkg_module(&p, manifest);
	json_decref(manifest);

	if (doc != NULL && json_array_size(problems) > 0) {
		json_decref(doc);
		doc = NULL;
	}
	if (doc != NULL) {
		crypto_hash_sha256(digest, zipdata, len);
		sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
		json_object_set_new(doc, "package_sha256", json_string(hex));
		json_object_set(doc, "media", p.media);
	}
out:
	pkg_free(&p);
	return (doc);
}

/* Checks every entry's header; returns 0 when the archive is unsafe. */
static int
pkg_scan(struct pkg *p)
{
	zip_int64_t	n;
	zip_uint64_t	i, total;
	zip_stat_t	st;
	zip_uint8_t	opsys;
	zip_uint32_t	attr;
	size_t		before;
	int		ok;

	before = json_array_size(p->problems);
	if ((n = zip_get_num_entries(p->za, 0)) < 0 || n > PKG_MAX_ENTRIES) {
		problem(p, "(package)", 0, 0, "The package has too many "
		    "files (at most %d).", PKG_MAX_ENTRIES);
		return (0);
	}
	p->entries = calloc(n ? n : 1, sizeof(struct pkg_entry));
	p->media = json_array();
	total = 0;

	for (i = 0; i < (zip_uint64_t)n; i++) {
		if (zip_stat_index(p->za, i, 0, &st) != 0 ||
		    !(st.valid & ZIP_STAT_NAME) || !(st.valid & ZIP_STAT_SIZE)) {
			problem(p, "(package)", 0, 0, "Entry %llu cannot be read.",
			    (unsigned long long)i);
			continue;
		}
		if (!pkg_name_ok(p, st.name))
			continue;
		if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) &&
		    st.encryption_method != ZIP_EM_NONE) {
			problem(p, st.name, 0, 0, "Encrypted files are not "
			    "accepted.");
			continue;
		}
		if (zip_file_get_external_attributes(p->za, i, 0, &opsys,
		    &attr) == 0 && opsys == ZIP_OPSYS_UNIX &&
		    S_ISLNK(attr >> 16)) {
			problem(p, st.name, 0, 0, "Symbolic links are not "
			    "accepted.");
			continue;
		}
		if (st.size > PKG_MAX_FILE) {
			problem(p, st.name, 0, 0, "This file is larger than "
			    "%d MB.", PKG_MAX_FILE / (1024 * 1024));
			continue;
		}
		if (st.size >= PKG_RATIO_MIN_BYTES &&
		    st.size / (st.comp_size ? st.comp_size : 1) > PKG_MAX_RATIO) {
			problem(p, st.name, 0, 0, "This file compresses more "
			    "than %d to 1: refused as a possible zip bomb.",
			    PKG_MAX_RATIO);
			continue;
		}
		total += st.size;
		if (st.name[strlen(st.name) - 1] == '/')
			continue;
		p->entries[p->nentries].name = strdup(st.name);
		p->entries[p->nentries].index = i;
		p->entries[p->nentries].size = st.size;
		p->nentries++;
	}

	if (total > PKG_MAX_TOTAL) {
		problem(p, "(package)", 0, 0, "The files add up to more than "
		    "%d MB uncompressed.", PKG_MAX_TOTAL / (1024 * 1024));
	}
	ok = json_array_size(p->problems) == before;
	return (ok);
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
		problem(p, "(package)", 0, 0, "A file name is empty, too long "
		    "or not valid UTF-8.");
		return (0);
	}
	if (name[0] == '/' || strchr(name, '\\') != NULL ||
	    (len > 1 && name[1] == ':')) {
		problem(p, name, 0, 0, "Absolute paths are not accepted.");
		return (0);
	}
	for (seg = name; seg != NULL; seg = strchr(seg, '/')) {
		if (*seg == '/')
			seg++;
		if (!strncmp(seg, "..", 2) && (seg[2] == '/' || seg[2] == '\0')) {
			problem(p, name, 0, 0, "Paths with \"..\" are not "
			    "accepted.");
			return (0);
		}
	}
	for (i = 0; i < p->nentries; i++) {
		if (!strcmp(p->entries[i].name, name)) {
			problem(p, name, 0, 0, "Two files in the package "
			    "have the same name; each name may appear once.");
			return (0);
		}
	}
	return (1);
}

static struct pkg_entry *
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
static int
pkg_read(struct pkg *p, struct pkg_entry *e)
{
	zip_file_t	*zf;
	zip_int64_t	n;
	size_t		cap;

	if (e->data != NULL)
		return (1);
	if ((zf = zip_fopen_index(p->za, e->index, 0)) == NULL) {
		problem(p, e->name, 0, 0, "This file cannot be read: %s",
		    zip_strerror(p->za));
		return (0);
	}
	cap = e->size + 1;
	e->data = malloc(cap + 1);
	e->len = 0;
	while (e->len < cap) {
		n = zip_fread(zf, e->data + e->len, cap - e->len);
		if (n < 0) {
			problem(p, e->name, 0, 0, "This file is damaged: %s",
			    zip_file_strerror(zf));
			zip_fclose(zf);
			return (0);
		}
		if (n == 0)
			break;
		e->len += n;
	}
	zip_fclose(zf);
	if (e->len != e->size) {
		problem(p, e->name, 0, 0, "This file's size does not match "
		    "its header.");
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
			problem(p, e->name, 0, 0, "This kind of file is not "
			    "accepted; use PNG, JPEG, GIF, WebP, PDF, WebVTT "
			    "or plain text.");
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

/* A string member of at most max characters, or NULL with a problem. */
static const char *
member_text(struct pkg *p, json_t *obj, const char *where, const char *key,
    size_t max, int required)
{
	json_t		*v;
	const char	*s;
	size_t		n;

	v = json_object_get(obj, key);
	if (v == NULL && !required)
		return (NULL);
	if (!json_is_string(v)) {
		problem(p, "module.json", 0, 0, "%s%s must be a string.",
		    where, key);
		return (NULL);
	}
	s = json_string_value(v);
	n = utf8_length(s, strlen(s));
	if (n == 0 || n > max || has_control_chars(s)) {
		problem(p, "module.json", 0, 0, "%s%s must be 1 to %zu "
		    "characters on one line.", where, key, max);
		return (NULL);
	}
	return (s);
}

static json_int_t
member_int(struct pkg *p, json_t *obj, const char *where, const char *key,
    json_int_t min, json_int_t max, json_int_t fallback)
{
	json_t		*v;

	if ((v = json_object_get(obj, key)) == NULL)
		return (fallback);
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max) {
		problem(p, "module.json", 0, 0, "%s%s must be a whole number "
		    "from %lld to %lld.", where, key, (long long)min,
		    (long long)max);
		return (fallback);
	}
	return (json_integer_value(v));
}

static json_t *
pkg_module(struct pkg *p, json_t *m)
{
	json_t		*doc, *lessons, *lesson, *out, *v;
	const char	*key, *title, *summary;
	size_t		i, j;

	if (!json_is_object(m)) {
		problem(p, "module.json", 1, 1, "module.json must hold a JSON "
		    "object.");
		return (NULL);
	}
	if ((v = json_object_get(m, "format")) != NULL &&
	    (!json_is_integer(v) || json_integer_value(v) != 1))
		problem(p, "module.json", 0, 0, "format must be 1.");

	key = member_text(p, m, "", "key", 64, 1);
	if (key != NULL && !valid_key(key, 64))
		problem(p, "module.json", 0, 0, "key must be lowercase letters, "
		    "digits and '-'.");
	title = member_text(p, m, "", "title", 200, 1);
	summary = member_text(p, m, "", "summary", 2000, 0);

	doc = json_object();
	json_object_set_new(doc, "key", json_string(key ? key : ""));
	json_object_set_new(doc, "title", json_string(title ? title : ""));
	json_object_set_new(doc, "summary", json_string(summary ? summary : ""));
	json_object_set_new(doc, "order", json_integer(member_int(p, m, "",
	    "order", 1, 1000, 1)));
	if ((v = json_object_get(m, "requires_previous")) != NULL) {
		if (!json_is_boolean(v))
			problem(p, "module.json", 0, 0, "requires_previous must "
			    "be true or false.");
		json_object_set(doc, "requires_previous", v);
	}

	lessons = json_object_get(m, "lessons");
	if (!json_is_array(lessons) || json_array_size(lessons) == 0 ||
	    json_array_size(lessons) > 100) {
		problem(p, "module.json", 0, 0, "lessons must list 1 to 100 "
		    "lessons.");
		return (doc);
	}

	out = json_array();
	json_array_foreach(lessons, i, lesson) {
		if ((v = pkg_lesson(p, lesson, i, out)) != NULL)
			json_array_append_new(out, v);
	}
	/* Keys are what progress hangs on: they must be unique. */
	for (i = 0; i < json_array_size(out); i++) {
		for (j = i + 1; j < json_array_size(out); j++) {
			if (json_equal(json_object_get(json_array_get(out, i),
			    "key"), json_object_get(json_array_get(out, j),
			    "key")))
				problem(p, "module.json", 0, 0, "lessons[%zu].key "
				    "repeats the key of lessons[%zu].", j, i);
		}
	}
	json_object_set_new(doc, "lessons", out);

	if ((v = json_object_get(m, "quiz")) != NULL && !json_is_null(v))
		json_object_set_new(doc, "quiz", pkg_quiz(p, v, out));
	else
		json_object_set_new(doc, "quiz", json_null());
	return (doc);
}

static json_t *
pkg_lesson(struct pkg *p, json_t *l, size_t idx, json_t *done)
{
	struct pkg_entry	*e, *cap;
	json_t			*out, *video, *atts, *att, *list;
	const char		*key, *title, *file, *url, *caps;
	char			where[48], *html;
	size_t			i, line, col;

	(void)done;
	(void)snprintf(where, sizeof(where), "lessons[%zu].", idx);
	if (!json_is_object(l)) {
		problem(p, "module.json", 0, 0, "lessons[%zu] must be an "
		    "object.", idx);
		return (NULL);
	}
	key = member_text(p, l, where, "key", 64, 1);
	if (key != NULL && !valid_key(key, 64)) {
		problem(p, "module.json", 0, 0, "%skey must be lowercase "
		    "letters, digits and '-'.", where);
		key = NULL;
	}
	title = member_text(p, l, where, "title", 200, 1);
	file = member_text(p, l, where, "file", 200, 1);
	if (key == NULL || title == NULL || file == NULL)
		return (NULL);

	out = json_pack("{s:s, s:s, s:I}", "key", key, "title", title,
	    "minutes", (json_int_t)member_int(p, l, where, "minutes", 1, 600, 5));

	if ((e = pkg_find(p, file)) == NULL) {
		problem(p, "module.json", 0, 0, "%sfile names %s, which is not "
		    "in the package.", where, file);
	} else if (pkg_read(p, e)) {
		if (!utf8_check((const char *)e->data, e->len, &line, &col)) {
			problem(p, file, line, col, "This lesson is not valid "
			    "UTF-8 text.");
		} else if ((html = pkg_render(p, file, (const char *)e->data,
		    e->len)) != NULL) {
			json_object_set_new(out, "markdown",
			    json_stringn((const char *)e->data, e->len));
			json_object_set_new(out, "html", json_string(html));
			free(html);
		}
	}

	if ((video = json_object_get(l, "video")) != NULL) {
		url = member_text(p, video, where, "url", 2000, 1);
		if (url != NULL && strncmp(url, "https://", 8))
			problem(p, "module.json", 0, 0, "%svideo.url must be an "
			    "https:// address.", where);
		json_object_set_new(out, "video_url", json_string(url ? url : ""));
		if ((caps = member_text(p, video, where, "captions", 200, 0))) {
			if ((cap = pkg_find(p, caps)) == NULL ||
			    cap->ctype == NULL ||
			    strncmp(cap->ctype, "text/vtt", 8))
				problem(p, "module.json", 0, 0, "%svideo.captions "
				    "must name a WebVTT file under media/.", where);
			else
				json_object_set_new(out, "captions_sha256",
				    json_string(cap->sha256));
		}
	}

	list = json_array();
	if ((atts = json_object_get(l, "attachments")) != NULL) {
		if (!json_is_array(atts))
			problem(p, "module.json", 0, 0, "%sattachments must be "
			    "a list of paths.", where);
		json_array_foreach(atts, i, att) {
			if (!json_is_string(att) || (cap = pkg_find(p,
			    json_string_value(att))) == NULL || cap->ctype == NULL) {
				problem(p, "module.json", 0, 0, "%sattachments[%zu] "
				    "must name a media file in the package.",
				    where, i);
				continue;
			}
			json_array_append_new(list, json_pack("{s:s, s:s, s:s, "
			    "s:I}", "name", strrchr(cap->name, '/') + 1,
			    "sha256", cap->sha256, "content_type", cap->ctype,
			    "size", (json_int_t)cap->len));
		}
	}
	json_object_set_new(out, "attachments", list);
	return (out);
}

/*
 * Markdown to HTML. Links and images pointing into media/ become media
 * URLs by hash; one naming a missing file is a problem on its line.
 * cmark's safe mode drops raw HTML and javascript:, vbscript:, file: and
 * data: (but images) links.
 */
static char *
pkg_render(struct pkg *p, const char *file, const char *md, size_t len)
{
	cmark_node		*root, *node;
	cmark_iter		*it;
	cmark_event_type	ev;
	struct pkg_entry	*e;
	const char		*url;
	char			newurl[128], *html;
	size_t			before;

	before = json_array_size(p->problems);
	root = cmark_parse_document(md, len, CMARK_OPT_DEFAULT);
	it = cmark_iter_new(root);
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		node = cmark_iter_get_node(it);
		if (ev != CMARK_EVENT_ENTER ||
		    (cmark_node_get_type(node) != CMARK_NODE_IMAGE &&
		    cmark_node_get_type(node) != CMARK_NODE_LINK))
			continue;
		url = cmark_node_get_url(node);
		if (url == NULL)
			continue;
		if (!strncmp(url, "../", 3))
			url += 3;
		if (strncmp(url, "media/", 6))
			continue;
		if ((e = pkg_find(p, url)) == NULL || e->ctype == NULL) {
			problem(p, file, cmark_node_get_start_line(node),
			    cmark_node_get_start_column(node), "This links to "
			    "%s, which is not an accepted file in the package.",
			    url);
			continue;
		}
		(void)snprintf(newurl, sizeof(newurl), "%s%s", PKG_MEDIA_URL,
		    e->sha256);
		cmark_node_set_url(node, newurl);
	}
	cmark_iter_free(it);

	html = NULL;
	if (json_array_size(p->problems) == before)
		html = cmark_render_html(root, CMARK_OPT_SAFE);
	cmark_node_free(root);
	return (html);
}

/*
 * Quiz definitions: checked for shape here; the quiz engine grades them.
 * The definition, answer keys included, is stored server-side only.
 */
static json_t *
pkg_quiz(struct pkg *p, json_t *q, json_t *lessons)
{
	static const char *types[] = { "single_choice", "multiple_choice",
	    "true_false", "short_answer", "ordering", "matching", NULL };
	json_t		*questions, *qn, *choices, *c, *l;
	const char	*type, *lk, *qk;
	char		where[48];
	size_t		i, j, k, correct;
	int		t, found;

	if (!json_is_object(q)) {
		problem(p, "module.json", 0, 0, "quiz must be an object.");
		return (json_null());
	}
	qk = member_text(p, q, "quiz.", "key", 64, 1);
	if (qk != NULL && !valid_key(qk, 64))
		problem(p, "module.json", 0, 0, "quiz.key must be lowercase "
		    "letters, digits and '-'.");
	(void)member_text(p, q, "quiz.", "title", 200, 1);
	(void)member_int(p, q, "quiz.", "pass_mark", 0, 100, 70);

	questions = json_object_get(q, "questions");
	if (!json_is_array(questions) || json_array_size(questions) == 0) {
		problem(p, "module.json", 0, 0, "quiz.questions must list at "
		    "least one question.");
		return (json_deep_copy(q));
	}
	json_array_foreach(questions, i, qn) {
		(void)snprintf(where, sizeof(where), "quiz.questions[%zu].", i);
		if (!json_is_object(qn)) {
			problem(p, "module.json", 0, 0, "%s must be an object.",
			    where);
			continue;
		}
		(void)member_text(p, qn, where, "key", 64, 1);
		(void)member_text(p, qn, where, "prompt", 2000, 1);
		type = member_text(p, qn, where, "type", 32, 1);
		for (t = 0; type != NULL && types[t] != NULL; t++) {
			if (!strcmp(type, types[t]))
				break;
		}
		if (type != NULL && types[t] == NULL)
			problem(p, "module.json", 0, 0, "%stype %s is not one of "
			    "the six question types.", where, type);

		if ((lk = member_text(p, qn, where, "lesson", 64, 0)) != NULL) {
			found = 0;
			json_array_foreach(lessons, k, l) {
				if (!strcmp(lk, json_string_value(
				    json_object_get(l, "key"))))
					found = 1;
			}
			if (!found)
				problem(p, "module.json", 0, 0, "%slesson names "
				    "%s, which is not a lesson key of this "
				    "module.", where, lk);
		}

		if (type == NULL || (strcmp(type, "single_choice") &&
		    strcmp(type, "multiple_choice") &&
		    strcmp(type, "true_false")))
			continue;
		choices = json_object_get(qn, "choices");
		correct = 0;
		json_array_foreach(choices, j, c) {
			if (json_is_true(json_object_get(c, "correct")))
				correct++;
			if (!json_is_string(json_object_get(c, "text")) ||
			    !json_is_string(json_object_get(c, "key")))
				problem(p, "module.json", 0, 0, "%schoices[%zu] "
				    "needs a key and a text.", where, j);
		}
		if (!json_is_array(choices) || json_array_size(choices) < 2 ||
		    correct == 0 || (strcmp(type, "multiple_choice") &&
		    correct != 1))
			problem(p, "module.json", 0, 0, "%schoices must hold at "
			    "least two choices and the right number of correct "
			    "ones.", where);
	}
	return (json_deep_copy(q));
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
