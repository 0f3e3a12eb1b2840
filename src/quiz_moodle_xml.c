/*
 * Moodle XML (docs.moodle.org/en/Moodle_XML_format; docs/questions.md
 * says what is kept). <quiz> holds <question type="...">: category (sets
 * the category of the questions after it), multichoice (<single> says
 * single or multiple), multichoiceset (all-or-nothing multiple choice),
 * truefalse, shortanswer, numerical, matching, ordering. Others are
 * listed as skipped.
 *
 * libxml2 parses with no network (XML_PARSE_NONET), no entity
 * substitution (no XML_PARSE_NOENT) and no DTD loading; a document with a
 * DTD at all is refused, so no entity is ever expanded, and texts are read
 * from text and CDATA nodes only.
 */

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "quiz_import.h"
#include "quiz_question.h"

struct mxml {
	json_t		*problems;
	json_t		*skipped;
	json_t		*questions;
	char		*category;
	json_t		*where;		/* the question's name, or "#n" */
	int		bad;
};

static void	mx_question(struct mxml *, xmlNodePtr, size_t);
static int	mx_choices(struct mxml *, xmlNodePtr, json_t *, int);
static int	mx_truefalse(struct mxml *, xmlNodePtr, json_t *);
static int	mx_short(struct mxml *, xmlNodePtr, json_t *);
static int	mx_numeric(struct mxml *, xmlNodePtr, json_t *);
static int	mx_matching(struct mxml *, xmlNodePtr, json_t *);
static int	mx_ordering(struct mxml *, xmlNodePtr, json_t *);
static xmlNodePtr mx_child(xmlNodePtr, const char *);
static xmlNodePtr mx_next(xmlNodePtr, const char *);
static char	*mx_raw(xmlNodePtr);
static char	*mx_text(xmlNodePtr);
static int	mx_flag(xmlNodePtr, const char *, int);
static int	mx_fraction(struct mxml *, xmlNodePtr, double *);
static void	mx_feedback(xmlNodePtr, json_t *);
static void	mx_problem(struct mxml *, const char *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

json_t *
quiz_moodle_xml_parse(const char *data, size_t len, json_t *problems,
    json_t *skipped)
{
	struct mxml	m;
	xmlDocPtr	doc;
	xmlNodePtr	root, n;
	size_t		i;

	if (len == 0 || len > QUIZ_IMPORT_MAX_BYTES) {
		quiz_import_problem(problems, "question", json_string(""),
		    "file_too_large", "A Moodle XML file is 1 to %d bytes.",
		    QUIZ_IMPORT_MAX_BYTES);
		return (NULL);
	}
	doc = xmlReadMemory(data, (int)len, NULL, NULL, XML_PARSE_NONET |
	    XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL) {
		quiz_import_problem(problems, "question", json_string(""),
		    "not_xml", "The file is not well-formed XML.");
		return (NULL);
	}
	root = xmlDocGetRootElement(doc);
	if (doc->intSubset != NULL || doc->extSubset != NULL || root == NULL ||
	    xmlStrcmp(root->name, BAD_CAST "quiz")) {
		quiz_import_problem(problems, "question", json_string(""),
		    "not_moodle_xml", "A Moodle XML file is one <quiz> element, "
		    "with no DTD.");
		xmlFreeDoc(doc);
		return (NULL);
	}
	memset(&m, 0, sizeof(m));
	m.problems = problems;
	m.skipped = skipped;
	m.questions = json_array();
	i = 0;
	for (n = mx_child(root, "question"); n != NULL;
	    n = mx_next(n, "question"))
		mx_question(&m, n, ++i);
	xmlFreeDoc(doc);
	free(m.category);
	if (m.bad || json_array_size(m.questions) == 0) {
		if (!m.bad && json_array_size(skipped) == 0)
			quiz_import_problem(problems, "question",
			    json_string(""), "no_questions", "The file holds "
			    "no question.");
		json_decref(m.questions);
		return (NULL);
	}
	return (m.questions);
}

static void
mx_question(struct mxml *m, xmlNodePtr n, size_t idx)
{
	static const char *const types[] = { "multichoice", "multichoiceset",
	    "truefalse", "shortanswer", "numerical", "matching", "ordering",
	    NULL };
	xmlChar		*type;
	json_t		*q;
	char		*s, key[32], pos[32];
	int		t, ok;

	type = xmlGetProp(n, BAD_CAST "type");
	s = mx_text(mx_child(n, "name"));
	(void)snprintf(pos, sizeof(pos), "#%zu", idx);
	m->where = json_string(s != NULL && *s != '\0' ? s : pos);
	free(s);

	if (type != NULL && !xmlStrcmp(type, BAD_CAST "category")) {
		s = mx_raw(mx_child(mx_child(n, "category"), "text"));
		free(m->category);
		m->category = (s != NULL && *quiz_import_category(s) != '\0') ?
		    strdup(quiz_import_category(s)) : NULL;
		free(s);
		goto done;
	}
	for (t = 0; types[t] != NULL && (type == NULL ||
	    xmlStrcmp(type, BAD_CAST types[t])); t++)
		;
	if (types[t] == NULL) {
		json_array_append_new(m->skipped, json_pack("{s:s, s:O, s:s}",
		    "type", type != NULL ? (const char *)type : "(none)",
		    "question", m->where, "reason", "This question type is "
		    "not supported (see docs/questions.md)."));
		goto done;
	}
	if (json_array_size(m->questions) >= QUIZ_IMPORT_MAX_QUESTIONS) {
		mx_problem(m, "too_many_questions", "A file holds at most %d "
		    "questions.", QUIZ_IMPORT_MAX_QUESTIONS);
		goto done;
	}

	q = json_object();
	(void)snprintf(key, sizeof(key), "xml-%zu", idx);
	json_object_set_new(q, "key", json_string(key));
	if ((s = mx_text(mx_child(n, "name"))) != NULL &&
	    *s != '\0')
		json_object_set_new(q, "title", json_string(s));
	free(s);
	s = mx_text(mx_child(n, "questiontext"));
	json_object_set_new(q, "prompt", json_string(s != NULL ? s : ""));
	free(s);
	if ((s = mx_text(mx_child(n, "generalfeedback"))) != NULL &&
	    *s != '\0')
		json_object_set_new(q, "explanation", json_string(s));
	free(s);
	if (m->category != NULL)
		json_object_set_new(q, "category", json_string(m->category));

	switch (t) {
	case 0:
	case 1:
		ok = mx_choices(m, n, q, t == 1);
		break;
	case 2:
		ok = mx_truefalse(m, n, q);
		break;
	case 3:
		ok = mx_short(m, n, q);
		break;
	case 4:
		ok = mx_numeric(m, n, q);
		break;
	case 5:
		ok = mx_matching(m, n, q);
		break;
	default:
		ok = mx_ordering(m, n, q);
		break;
	}
	if (ok == 1 && quiz_import_check(q, m->problems, "question",
	    json_incref(m->where)) > 0)
		m->bad = 1;
	else if (ok == 1)
		json_array_append(m->questions, q);
	json_decref(q);
done:
	xmlFree(type);
	json_decref(m->where);
	m->where = NULL;
}

/*
 * multichoice: <single> true is a single choice, false a multiple one
 * with partial credit; multichoiceset is multiple, all or nothing.
 */
static int
mx_choices(struct mxml *m, xmlNodePtr n, json_t *q, int set)
{
	xmlNodePtr	a;
	json_t		*list, *c;
	char		*text, key[8];
	double		f;
	size_t		i;
	int		single;

	single = !set && mx_flag(mx_child(n, "single"), "true", 1);
	json_object_set_new(q, "type", json_string(single ? "single_choice" :
	    "multiple_choice"));
	if (!single)
		json_object_set_new(q, "grading", json_string(set ?
		    "all_or_nothing" : "partial"));
	json_object_set_new(q, "shuffle", json_boolean(mx_flag(mx_child(n,
	    "shuffleanswers"), "true", 1)));
	list = json_array();
	i = 0;
	for (a = mx_child(n, "answer"); a != NULL; a = mx_next(a, "answer")) {
		if (!mx_fraction(m, a, &f))
			break;
		text = mx_text(a);
		(void)snprintf(key, sizeof(key), "c%zu", i + 1);
		c = json_pack("{s:s, s:s}", "key", key, "text",
		    text != NULL ? text : "");
		free(text);
		if (set)
			json_object_set_new(c, "correct", json_boolean(f > 0));
		else
			json_object_set_new(c, "fraction", json_real(f));
		mx_feedback(a, c);
		json_array_append_new(list, c);
		i++;
	}
	json_object_set_new(q, "choices", list);
	return (a == NULL);
}

/* truefalse: the answers "true" and "false", one worth 100. */
static int
mx_truefalse(struct mxml *m, xmlNodePtr n, json_t *q)
{
	xmlNodePtr	a;
	json_t		*t, *f, *c;
	char		*text;
	double		fr;

	t = json_pack("{s:s, s:s, s:b}", "key", "true", "text", "True",
	    "correct", 0);
	f = json_pack("{s:s, s:s, s:b}", "key", "false", "text", "False",
	    "correct", 0);
	json_object_set_new(q, "type", json_string("true_false"));
	json_object_set_new(q, "choices", json_pack("[o, o]", t, f));
	for (a = mx_child(n, "answer"); a != NULL; a = mx_next(a, "answer")) {
		if (!mx_fraction(m, a, &fr))
			return (0);
		text = mx_text(a);
		c = NULL;
		if (text != NULL && !strcasecmp(text, "true"))
			c = t;
		else if (text != NULL && !strcasecmp(text, "false"))
			c = f;
		free(text);
		if (c == NULL) {
			mx_problem(m, "bad_answers", "A true/false answer is "
			    "\"true\" or \"false\".");
			return (0);
		}
		json_object_set_new(c, "correct", json_boolean(fr >= 1.0));
		mx_feedback(a, c);
	}
	return (1);
}

/* shortanswer: answers with fractions; <usecase> 1 is case-sensitive. */
static int
mx_short(struct mxml *m, xmlNodePtr n, json_t *q)
{
	xmlNodePtr	a;
	json_t		*list, *e;
	char		*text;
	double		f;

	json_object_set_new(q, "type", json_string("short_answer"));
	if (mx_flag(mx_child(n, "usecase"), "1", 0))
		json_object_set_new(q, "case_sensitive", json_true());
	list = json_array();
	json_object_set_new(q, "answers", list);
	for (a = mx_child(n, "answer"); a != NULL; a = mx_next(a, "answer")) {
		if (!mx_fraction(m, a, &f))
			return (0);
		text = mx_text(a);
		e = json_pack("{s:s, s:f}", "text", text != NULL ? text : "",
		    "fraction", f);
		free(text);
		mx_feedback(a, e);
		json_array_append_new(list, e);
	}
	return (1);
}

/* numerical: answers with a <tolerance> each; units are not kept. */
static int
mx_numeric(struct mxml *m, xmlNodePtr n, json_t *q)
{
	xmlNodePtr	a;
	json_t		*list, *e;
	char		*text, *tol, *end;
	double		f, v, t;

	json_object_set_new(q, "type", json_string("numeric"));
	list = json_array();
	json_object_set_new(q, "answers", list);
	for (a = mx_child(n, "answer"); a != NULL; a = mx_next(a, "answer")) {
		if (!mx_fraction(m, a, &f))
			return (0);
		text = mx_text(a);
		tol = mx_raw(mx_child(a, "tolerance"));
		v = text != NULL ? strtod(text, &end) : 0;
		/* Moodle's "*" answer matches any number: not a value here. */
		if (text == NULL || *text == '\0' || *end != '\0' ||
		    !isfinite(v)) {
			mx_problem(m, "bad_number", "Numerical answer \"%.40s\" "
			    "is not a number.", text != NULL ? text : "");
			free(text);
			free(tol);
			return (0);
		}
		t = tol != NULL && *tol != '\0' ? strtod(tol, &end) : 0;
		if (tol != NULL && *tol != '\0' && (*end != '\0' ||
		    !isfinite(t))) {
			mx_problem(m, "bad_number", "Tolerance \"%.40s\" is not "
			    "a number.", tol);
			free(text);
			free(tol);
			return (0);
		}
		e = json_pack("{s:f, s:f, s:f}", "value", v, "tolerance",
		    fabs(t), "fraction", f);
		free(text);
		free(tol);
		mx_feedback(a, e);
		json_array_append_new(list, e);
	}
	return (1);
}

/* matching: <subquestion> stem and <answer>; no stem is a distractor. */
static int
mx_matching(struct mxml *m, xmlNodePtr n, json_t *q)
{
	xmlNodePtr	s;
	json_t		*pairs, *distractors;
	char		*stem, *ans, key[16];
	size_t		i;

	json_object_set_new(q, "type", json_string("matching"));
	json_object_set_new(q, "shuffle", json_boolean(mx_flag(mx_child(n,
	    "shuffleanswers"), "true", 1)));
	pairs = json_array();
	distractors = json_array();
	i = 0;
	for (s = mx_child(n, "subquestion"); s != NULL;
	    s = mx_next(s, "subquestion")) {
		stem = mx_text(s);
		ans = mx_text(mx_child(s, "answer"));
		if (stem == NULL || *stem == '\0') {
			json_array_append_new(distractors, json_string(
			    ans != NULL ? ans : ""));
		} else {
			(void)snprintf(key, sizeof(key), "p%zu", ++i);
			json_array_append_new(pairs, json_pack("{s:s, s:s, "
			    "s:s}", "key", key, "prompt", stem, "answer",
			    ans != NULL ? ans : ""));
		}
		free(stem);
		free(ans);
	}
	json_object_set_new(q, "pairs", pairs);
	if (json_array_size(distractors) > 0)
		json_object_set_new(q, "distractors", distractors);
	else
		json_decref(distractors);
	return (1);
}

/*
 * ordering (Moodle's ordering question): answers in their right order.
 * Its grading types beyond all-or-nothing and absolute position would
 * change meaning here: such questions are skipped, not bent.
 */
static int
mx_ordering(struct mxml *m, xmlNodePtr n, json_t *q)
{
	xmlNodePtr	a;
	json_t		*items;
	char		*g, *text, key[16];
	size_t		i;

	g = mx_raw(mx_child(n, "gradingtype"));
	if (g == NULL || !strcmp(g, "ABSOLUTE_POSITION") || !strcmp(g, "0")) {
		json_object_set_new(q, "grading", json_string("partial"));
	} else if (!strcmp(g, "ALL_OR_NOTHING") || !strcmp(g, "-1")) {
		json_object_set_new(q, "grading", json_string("all_or_nothing"));
	} else {
		json_array_append_new(m->skipped, json_pack("{s:s, s:O, s:s}",
		    "type", "ordering", "question", m->where, "reason", "Only "
		    "the all-or-nothing and absolute-position gradings of "
		    "ordering questions are supported."));
		free(g);
		return (0);
	}
	free(g);
	json_object_set_new(q, "type", json_string("ordering"));
	items = json_array();
	i = 0;
	for (a = mx_child(n, "answer"); a != NULL; a = mx_next(a, "answer")) {
		text = mx_text(a);
		(void)snprintf(key, sizeof(key), "i%zu", ++i);
		json_array_append_new(items, json_pack("{s:s, s:s}", "key", key,
		    "text", text != NULL ? text : ""));
		free(text);
	}
	json_object_set_new(q, "items", items);
	return (1);
}

/* The fraction attribute, a percentage: -100 to 100 (Moodle's range). */
static int
mx_fraction(struct mxml *m, xmlNodePtr a, double *out)
{
	xmlChar		*f;
	char		*end;
	double		v;
	int		ok;

	if ((f = xmlGetProp(a, BAD_CAST "fraction")) == NULL) {
		*out = 0;
		return (1);
	}
	v = strtod((const char *)f, &end);
	ok = *f != '\0' && *end == '\0' && fabs(v) <= 100;
	if (!ok)
		mx_problem(m, "bad_fraction", "fraction=\"%.20s\" is not a "
		    "percentage from -100 to 100.", (const char *)f);
	xmlFree(f);
	*out = v / 100.0;
	return (ok);
}

/* The answer's <feedback>, when it says something. */
static void
mx_feedback(xmlNodePtr a, json_t *o)
{
	char		*fb;

	if ((fb = mx_text(mx_child(a, "feedback"))) != NULL && *fb != '\0')
		json_object_set_new(o, "feedback", json_string(fb));
	free(fb);
}

/* A flag element: "true"/"1" (yes is yes), else no; dflt when absent. */
static int
mx_flag(xmlNodePtr n, const char *yes, int dflt)
{
	char		*v;
	int		r;

	if (n == NULL || (v = mx_raw(n)) == NULL)
		return (dflt);
	r = !strcmp(v, yes) || !strcmp(v, "1") || !strcmp(v, "true");
	free(v);
	return (r);
}

/*
 * The text of node's <text> child made plain: HTML (format "html", the
 * export's default, or "moodle_auto_format") through the HTML parser.
 */
static char *
mx_text(xmlNodePtr node)
{
	xmlChar		*fmt;
	char		*raw, *plain;
	int		html;

	if (node == NULL)
		return (NULL);
	if ((raw = mx_raw(mx_child(node, "text"))) == NULL)
		return (NULL);
	fmt = xmlGetProp(node, BAD_CAST "format");
	html = fmt == NULL || !xmlStrcmp(fmt, BAD_CAST "html") ||
	    !xmlStrcmp(fmt, BAD_CAST "moodle_auto_format");
	xmlFree(fmt);
	if (!html || strpbrk(raw, "<&") == NULL)
		return (raw);
	plain = quiz_html_text(raw, strlen(raw));
	free(raw);
	return (plain);
}

/* The text and CDATA directly in node, trimmed; entities never read. */
static char *
mx_raw(xmlNodePtr node)
{
	xmlNodePtr	c;
	size_t		len, n, cap;
	char		*out, *grown;

	if (node == NULL)
		return (NULL);
	cap = 64;
	len = 0;
	if ((out = malloc(cap)) == NULL)
		return (NULL);
	for (c = node->children; c != NULL; c = c->next) {
		if ((c->type != XML_TEXT_NODE &&
		    c->type != XML_CDATA_SECTION_NODE) || c->content == NULL)
			continue;
		n = strlen((const char *)c->content);
		if (len + n + 1 > cap) {
			cap = len + n + 1;
			if ((grown = realloc(out, cap)) == NULL) {
				free(out);
				return (NULL);
			}
			out = grown;
		}
		memcpy(out + len, c->content, n);
		len += n;
	}
	out[len] = '\0';
	while (len > 0 && isspace((unsigned char)out[len - 1]))
		out[--len] = '\0';
	n = 0;
	while (isspace((unsigned char)out[n]))
		n++;
	memmove(out, out + n, len - n + 1);
	return (out);
}

static xmlNodePtr
mx_child(xmlNodePtr n, const char *name)
{
	if (n == NULL)
		return (NULL);
	for (n = n->children; n != NULL; n = n->next) {
		if (n->type == XML_ELEMENT_NODE &&
		    !xmlStrcmp(n->name, BAD_CAST name))
			return (n);
	}
	return (NULL);
}

static xmlNodePtr
mx_next(xmlNodePtr n, const char *name)
{
	for (n = n->next; n != NULL; n = n->next) {
		if (n->type == XML_ELEMENT_NODE &&
		    !xmlStrcmp(n->name, BAD_CAST name))
			return (n);
	}
	return (NULL);
}

static void
mx_problem(struct mxml *m, const char *code, const char *fmt, ...)
{
	va_list		ap;
	char		msg[512];

	m->bad = 1;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	quiz_import_problem(m->problems, "question", json_incref(m->where),
	    code, "%s", msg);
}
