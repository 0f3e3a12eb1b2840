/*
 * Module packages: module.json, member by member.
 *
 * Every member is checked, whatever is wrong with another, and every
 * problem names the member by its path ("lessons[2].key"); pkg_mproblem
 * turns the path into a line and column of module.json. A lesson's
 * Markdown file is read and rendered from here too, so that its problems
 * are found even when the lesson's entry in module.json has others.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonpath.h"
#include "package.h"
#include "package_int.h"
#include "quiz_question.h"
#include "validate.h"

static void	member_problem(struct pkg *, const char *, const char *,
		    const char *, const char *, ...)
		    __attribute__((format(printf, 5, 6)));
static const char	*member_text(struct pkg *, json_t *, const char *,
			    const char *, size_t, int);
static const char	*member_key(struct pkg *, json_t *, const char *,
			    const char *);
static json_int_t	member_int(struct pkg *, json_t *, const char *,
			    const char *, json_int_t, json_int_t, json_int_t);
static int	member_bool(struct pkg *, json_t *, const char *,
		    const char *);
static json_t	*member_list(struct pkg *, json_t *, const char *,
		    const char *, size_t, size_t, int);
static int	is_object(struct pkg *, json_t *, const char *);
static void	unique_keys(struct pkg *, json_t *, const char *);
static json_t	*pkg_lesson(struct pkg *, json_t *, size_t);
static void	pkg_lesson_file(struct pkg *, json_t *, const char *,
		    const char *);
static void	pkg_video(struct pkg *, json_t *, const char *, json_t *);
static json_t	*pkg_attachments(struct pkg *, json_t *, const char *);
static json_t	*pkg_quiz(struct pkg *, json_t *, json_t *);
static void	pkg_question(struct pkg *, json_t *, size_t, json_t *);

/*
 * A problem with the member key of the object at where: its path is where
 * followed by key, and the message starts with that path.
 */
static void
member_problem(struct pkg *p, const char *where, const char *key,
    const char *code, const char *fmt, ...)
{
	char		path[JSONPATH_MAX], msg[448];
	va_list		ap;

	(void)snprintf(path, sizeof(path), "%s%s", where, key);
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pkg_mproblem(p, path, code, "%s %s", path, msg);
}

/*
 * Members of module.json. Each checks one member of obj, whose path is
 * where (such as "lessons[2].") followed by the member's name, and reports
 * a problem at that path when it is missing (and required), of the wrong
 * type or out of range.
 */
static const char *
member_text(struct pkg *p, json_t *obj, const char *where, const char *key,
    size_t max, int required)
{
	json_t		*v;
	const char	*s;
	size_t		n;

	if ((v = json_object_get(obj, key)) == NULL) {
		if (required)
			member_problem(p, where, key, "missing_member",
			    "is missing; give it as a string.");
		return (NULL);
	}
	if (!json_is_string(v)) {
		member_problem(p, where, key, "wrong_type",
		    "must be a string.");
		return (NULL);
	}
	s = json_string_value(v);
	n = utf8_length(s, json_string_length(v));
	if (n == 0 || n > max || strlen(s) != json_string_length(v) ||
	    has_control_chars(s)) {
		member_problem(p, where, key, "bad_length", "must be 1 to %zu "
		    "characters on one line.", max);
		return (NULL);
	}
	return (s);
}

/* A key: lowercase letters, digits and '-', required. */
static const char *
member_key(struct pkg *p, json_t *obj, const char *where, const char *key)
{
	const char	*s;

	if ((s = member_text(p, obj, where, key, 64, 1)) == NULL)
		return (NULL);
	if (!valid_key(s, 64)) {
		member_problem(p, where, key, "bad_key", "must be lowercase "
		    "letters, digits and '-'.");
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
	if (!json_is_integer(v)) {
		member_problem(p, where, key, "wrong_type",
		    "must be a whole number.");
		return (fallback);
	}
	if (json_integer_value(v) < min || json_integer_value(v) > max) {
		member_problem(p, where, key, "out_of_range", "must be from "
		    "%lld to %lld.", (long long)min, (long long)max);
		return (fallback);
	}
	return (json_integer_value(v));
}

/* 1 or 0; -1 when absent (or wrong, with a problem). */
static int
member_bool(struct pkg *p, json_t *obj, const char *where, const char *key)
{
	json_t		*v;

	if ((v = json_object_get(obj, key)) == NULL)
		return (-1);
	if (!json_is_boolean(v)) {
		member_problem(p, where, key, "wrong_type",
		    "must be true or false.");
		return (-1);
	}
	return (json_is_true(v));
}

/* A list of min to max items, or NULL (with a problem unless absent). */
static json_t *
member_list(struct pkg *p, json_t *obj, const char *where, const char *key,
    size_t min, size_t max, int required)
{
	json_t		*v;

	if ((v = json_object_get(obj, key)) == NULL) {
		if (required)
			member_problem(p, where, key, "missing_member",
			    "is missing; give it as a list.");
		return (NULL);
	}
	if (!json_is_array(v)) {
		member_problem(p, where, key, "wrong_type", "must be a list.");
		return (NULL);
	}
	if (json_array_size(v) < min || json_array_size(v) > max) {
		member_problem(p, where, key, "bad_length", "must list %zu to "
		    "%zu items.", min, max);
		return (NULL);
	}
	return (v);
}

/* where names the object's members ("lessons[2]."): it ends in a dot. */
static int
is_object(struct pkg *p, json_t *v, const char *where)
{
	char	path[JSONPATH_MAX];

	if (json_is_object(v))
		return (1);
	(void)snprintf(path, sizeof(path), "%.*s", (int)strlen(where) - 1,
	    where);
	pkg_mproblem(p, path, "wrong_type", "%s must be an object.", path);
	return (0);
}

/* The "key" members of list (at path base) must differ. */
static void
unique_keys(struct pkg *p, json_t *list, const char *base)
{
	char		path[JSONPATH_MAX];
	const char	*a, *b;
	size_t		i, j;

	for (j = 1; j < json_array_size(list); j++) {
		b = json_string_value(json_object_get(json_array_get(list, j),
		    "key"));
		for (i = 0; b != NULL && i < j; i++) {
			a = json_string_value(json_object_get(
			    json_array_get(list, i), "key"));
			if (a == NULL || strcmp(a, b))
				continue;
			(void)snprintf(path, sizeof(path), "%s[%zu].key", base,
			    j);
			pkg_mproblem(p, path, "duplicate_key", "%s repeats the "
			    "key of %s[%zu].", path, base, i);
			break;
		}
	}
}

json_t *
pkg_module(struct pkg *p, json_t *m)
{
	json_t		*doc, *lessons, *lesson, *out, *v;
	const char	*key, *title, *summary;
	json_int_t	order;
	size_t		i;
	int		rp;

	if (!json_is_object(m)) {
		pkg_problem(p, "module.json", 1, 1, "wrong_type", "module.json "
		    "must hold a JSON object.");
		return (NULL);
	}
	(void)member_int(p, m, "", "format", 1, 1, 1);
	key = member_key(p, m, "", "key");
	title = member_text(p, m, "", "title", 200, 1);
	summary = member_text(p, m, "", "summary", 2000, 0);
	order = member_int(p, m, "", "order", 1, 1000, 1);
	rp = member_bool(p, m, "", "requires_previous");

	doc = json_pack("{s:s, s:s, s:s, s:I}", "key", key ? key : "",
	    "title", title ? title : "", "summary", summary ? summary : "",
	    "order", order);
	if (rp >= 0)
		json_object_set_new(doc, "requires_previous", json_boolean(rp));

	/* Every lesson is checked, whatever is wrong with another. */
	out = json_array();
	lessons = member_list(p, m, "", "lessons", 1, PKG_MAX_LESSONS, 1);
	json_array_foreach(lessons, i, lesson) {
		if ((v = pkg_lesson(p, lesson, i)) != NULL)
			json_array_append_new(out, v);
	}
	/* Keys are what progress hangs on: they must be unique. */
	unique_keys(p, lessons, "lessons");
	json_object_set_new(doc, "lessons", out);

	if ((v = json_object_get(m, "quiz")) != NULL && !json_is_null(v))
		json_object_set_new(doc, "quiz", pkg_quiz(p, v, lessons));
	else
		json_object_set_new(doc, "quiz", json_null());
	return (doc);
}

/*
 * One lesson. Everything that can be checked is, even when the key, the
 * title or the file is wrong; the lesson is returned only when all three
 * are right (its other problems still fail the package).
 */
static json_t *
pkg_lesson(struct pkg *p, json_t *l, size_t idx)
{
	json_t		*out;
	const char	*key, *title, *file;
	char		where[48];
	json_int_t	minutes;

	(void)snprintf(where, sizeof(where), "lessons[%zu].", idx);
	if (!is_object(p, l, where))
		return (NULL);
	key = member_key(p, l, where, "key");
	title = member_text(p, l, where, "title", 200, 1);
	file = member_text(p, l, where, "file", 200, 1);
	minutes = member_int(p, l, where, "minutes", 1, 600, 5);

	out = json_pack("{s:s, s:s, s:I}", "key", key ? key : "", "title",
	    title ? title : "", "minutes", minutes);
	if (file != NULL)
		pkg_lesson_file(p, out, where, file);
	pkg_video(p, l, where, out);
	json_object_set_new(out, "attachments", pkg_attachments(p, l, where));

	if (key == NULL || title == NULL || file == NULL) {
		json_decref(out);
		return (NULL);
	}
	return (out);
}

/* The lesson's Markdown: present, UTF-8, its links resolved, rendered. */
static void
pkg_lesson_file(struct pkg *p, json_t *out, const char *where,
    const char *file)
{
	struct pkg_entry	*e;
	char			*html;
	size_t			line, col;

	if ((e = pkg_find(p, file)) == NULL) {
		member_problem(p, where, "file", "missing_file", "names %s, "
		    "which is not in the package.", file);
		return;
	}
	if (!pkg_read(p, e))
		return;
	if (!utf8_check((const char *)e->data, e->len, &line, &col)) {
		pkg_problem(p, file, line, col, "not_utf8", "This lesson is not "
		    "valid UTF-8 text.");
		return;
	}
	if ((html = pkg_render(p, file, (const char *)e->data, e->len)) ==
	    NULL)
		return;
	json_object_set_new(out, "markdown", json_stringn((const char *)e->data,
	    e->len));
	json_object_set_new(out, "html", json_string(html));
	free(html);
}

static void
pkg_video(struct pkg *p, json_t *l, const char *where, json_t *out)
{
	struct pkg_entry	*cap;
	json_t			*video;
	const char		*url, *caps;
	char			vwhere[64];

	if ((video = json_object_get(l, "video")) == NULL ||
	    json_is_null(video))
		return;
	(void)snprintf(vwhere, sizeof(vwhere), "%svideo.", where);
	if (!is_object(p, video, vwhere))
		return;
	if ((url = member_text(p, video, vwhere, "url", 2000, 1)) != NULL) {
		if (strncmp(url, "https://", 8)) {
			member_problem(p, vwhere, "url", "bad_url",
			    "must be an https:// address.");
		} else {
			json_object_set_new(out, "video_url", json_string(url));
		}
	}
	if ((caps = member_text(p, video, vwhere, "captions", 200, 0)) == NULL)
		return;
	if ((cap = pkg_find(p, caps)) == NULL || cap->ctype == NULL ||
	    strncmp(cap->ctype, "text/vtt", 8)) {
		member_problem(p, vwhere, "captions", "bad_captions",
		    "must name a WebVTT file under media/.");
		return;
	}
	json_object_set_new(out, "captions_sha256", json_string(cap->sha256));
}

static json_t *
pkg_attachments(struct pkg *p, json_t *l, const char *where)
{
	struct pkg_entry	*e;
	json_t			*atts, *att, *list;
	char			path[JSONPATH_MAX];
	size_t			i;

	list = json_array();
	atts = member_list(p, l, where, "attachments", 0, PKG_MAX_ENTRIES, 0);
	json_array_foreach(atts, i, att) {
		(void)snprintf(path, sizeof(path), "%sattachments[%zu]", where,
		    i);
		if (!json_is_string(att)) {
			pkg_mproblem(p, path, "wrong_type", "%s must be a path in "
			    "the package.", path);
			continue;
		}
		if ((e = pkg_find(p, json_string_value(att))) == NULL ||
		    e->ctype == NULL) {
			pkg_mproblem(p, path, "missing_file", "%s must name an "
			    "accepted file under media/.", path);
			continue;
		}
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:I}",
		    "name", strrchr(e->name, '/') + 1, "sha256", e->sha256,
		    "content_type", e->ctype, "size", (json_int_t)e->len));
	}
	return (list);
}

/*
 * Quiz definitions: the quiz's own members here, each question by the
 * question model's validator; the quiz engine grades them.
 * The definition, answer keys included, is stored server-side only.
 * lessons is the manifest's list (NULL when it is unusable, and then
 * lesson references are not checked against it).
 */
static json_t *
pkg_quiz(struct pkg *p, json_t *q, json_t *lessons)
{
	json_t		*questions, *qn;
	size_t		i;

	if (!is_object(p, q, "quiz."))
		return (json_null());
	(void)member_key(p, q, "quiz.", "key");
	(void)member_text(p, q, "quiz.", "title", 200, 1);
	(void)member_int(p, q, "quiz.", "pass_mark", 0, 100, 70);
	(void)member_bool(p, q, "quiz.", "required");

	questions = member_list(p, q, "quiz.", "questions", 1,
	    PKG_MAX_QUESTIONS, 1);
	json_array_foreach(questions, i, qn)
		pkg_question(p, qn, i, lessons);
	unique_keys(p, questions, "quiz.questions");
	return (json_deep_copy(q));
}

/*
 * One question, checked by the one validator of the question model
 * (quiz_question.c, docs/questions.md); its problems keep the paths it
 * gives ("quiz.questions[3].choices[1].correct"), so that they are
 * located in module.json like every other. Whether the question's lesson
 * is a lesson of this module is the package's to say.
 */
static void
pkg_question(struct pkg *p, json_t *qn, size_t idx, json_t *lessons)
{
	json_t		*problems, *pr, *l;
	const char	*path, *lk, *k;
	char		base[48];
	size_t		i;
	int		found;

	(void)snprintf(base, sizeof(base), "quiz.questions[%zu]", idx);
	problems = json_array();
	(void)quiz_question_check(qn, base, problems);
	json_array_foreach(problems, i, pr) {
		path = json_string_value(json_object_get(pr, "path"));
		if (path == NULL || *path == '\0')
			path = base;
		pkg_mproblem(p, path, json_string_value(json_object_get(pr,
		    "code")), "%s: %s", path, json_string_value(
		    json_object_get(pr, "message")));
	}
	json_decref(problems);

	lk = json_string_value(json_object_get(qn, "lesson"));
	if (lk == NULL || lessons == NULL)
		return;
	found = 0;
	json_array_foreach(lessons, i, l) {
		k = json_string_value(json_object_get(l, "key"));
		if (k != NULL && !strcmp(k, lk))
			found = 1;
	}
	if (!found) {
		member_problem(p, base, ".lesson", "unknown_lesson", "names "
		    "%s, which is not a lesson key of this module.", lk);
	}
}
