/*
 * Moodle's GIFT format (docs.moodle.org/en/GIFT_format; docs/questions.md
 * says what is kept and how). Questions are separated by blank lines;
 * lines starting with "//" are comments; "$CATEGORY: path" sets the
 * category of the questions after it; a question is
 *
 *   ::Title:: [format] text { answers } more text
 *
 * and its answers say its type, as Moodle's own importer decides it: none
 * is an essay (skipped), "#..." numeric, any "~" a choice question (single
 * when one answer starts "=", else multiple with %weights%), "=a -> b"
 * matching, T/TRUE/F/FALSE true/false, else short answer. "\" escapes
 * ~ = # { } : and "\n" is a new line.
 */

#include <sys/types.h>

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quiz_import.h"
#include "quiz_question.h"

#define GIFT_BLANKS	" \t\r\n"

struct gift {
	json_t		*problems;
	json_t		*skipped;
	json_t		*questions;
	char		*category;
	size_t		line;		/* where the question starts */
	int		format_html;
	int		bad;
};

/* One answer of the list between braces. */
struct gift_answer {
	char		mark;		/* '=' or '~' */
	int		weighted;
	double		weight;		/* a fraction: %50% is 0.5 */
	char		*text;		/* unescaped, trimmed */
	char		*feedback;	/* NULL when none */
};

static void	gift_block(struct gift *, char *, size_t);
static json_t	*gift_question(struct gift *, char *, size_t);
static int	gift_type(struct gift *, json_t *, char *, size_t);
static int	gift_choices(struct gift *, json_t *, struct gift_answer *,
		    size_t);
static int	gift_short(struct gift *, json_t *, struct gift_answer *,
		    size_t);
static int	gift_matching(struct gift *, json_t *, struct gift_answer *,
		    size_t);
static int	gift_numeric(struct gift *, json_t *, char *, size_t);
static int	gift_truefalse(struct gift *, json_t *, char *, size_t);
static ssize_t	gift_answers(struct gift *, const char *, size_t,
		    struct gift_answer *, size_t);
static void	gift_answers_free(struct gift_answer *, size_t);
static ssize_t	gift_find(const char *, size_t, size_t, const char *);
static char	*gift_text(const char *, size_t);
static void	gift_problem(struct gift *, const char *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	gift_skip(struct gift *, const char *, const char *);
static int	gift_number(const char *, size_t, double *);
static int	gift_utf8(struct gift *, const char *);

json_t *
quiz_gift_parse(const char *data, size_t len, json_t *problems,
    json_t *skipped)
{
	struct gift	g;
	char		*buf, *line, *next, *block;
	size_t		lineno, start, blen, n;

	memset(&g, 0, sizeof(g));
	g.problems = problems;
	g.skipped = skipped;
	g.questions = json_array();
	if (len > QUIZ_IMPORT_MAX_BYTES || memchr(data, '\0', len) != NULL) {
		quiz_import_problem(problems, "line", json_integer(1),
		    len > QUIZ_IMPORT_MAX_BYTES ? "file_too_large" :
		    "not_text", "The file is not a GIFT text file of at most "
		    "%d bytes.", QUIZ_IMPORT_MAX_BYTES);
		json_decref(g.questions);
		return (NULL);
	}
	if ((buf = malloc(len + 1)) == NULL || (block = malloc(len + 1)) ==
	    NULL) {
		free(buf);
		json_decref(g.questions);
		return (NULL);
	}
	memcpy(buf, data, len);
	buf[len] = '\0';
	if (!gift_utf8(&g, buf)) {
		free(buf);
		free(block);
		json_decref(g.questions);
		return (NULL);
	}
	line = buf;
	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		line += 3;	/* a byte order mark */

	blen = 0;
	start = 0;
	for (lineno = 1; line != NULL; lineno++, line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		n = strlen(line);
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (!strncmp(line + strspn(line, " \t"), "//", 2))
			continue;
		if (line[strspn(line, GIFT_BLANKS)] == '\0') {
			block[blen] = '\0';
			if (blen > 0)
				gift_block(&g, block, start);
			blen = 0;
			continue;
		}
		if (blen == 0)
			start = lineno;
		else
			block[blen++] = '\n';
		memcpy(block + blen, line, n);
		blen += n;
	}
	block[blen] = '\0';
	if (blen > 0)
		gift_block(&g, block, start);
	free(block);
	free(buf);
	free(g.category);
	if (g.bad || json_array_size(g.questions) == 0) {
		if (!g.bad && json_array_size(skipped) == 0)
			quiz_import_problem(problems, "line", json_integer(1),
			    "no_questions", "The file holds no GIFT question.");
		json_decref(g.questions);
		return (NULL);
	}
	return (g.questions);
}

/* A question, or a $CATEGORY line, starting at line start. */
static void
gift_block(struct gift *g, char *text, size_t start)
{
	json_t		*q;
	char		*c, *e;

	g->line = start;
	text += strspn(text, GIFT_BLANKS);
	if (!strncmp(text, "$CATEGORY:", 10)) {
		c = text + 10;
		if ((e = strchr(c, '\n')) != NULL)
			*e = '\0';
		c = (char *)quiz_import_category(c);
		e = c + strlen(c);
		while (e > c && isspace((unsigned char)e[-1]))
			*--e = '\0';
		free(g->category);
		g->category = *c != '\0' ? strdup(c) : NULL;
		return;
	}
	if (json_array_size(g->questions) >= QUIZ_IMPORT_MAX_QUESTIONS) {
		gift_problem(g, "too_many_questions", "A file holds at most %d "
		    "questions.", QUIZ_IMPORT_MAX_QUESTIONS);
		return;
	}
	if ((q = gift_question(g, text, strlen(text))) == NULL)
		return;
	if (quiz_import_check(q, g->problems, "line",
	    json_integer((json_int_t)start)) > 0) {
		g->bad = 1;
		json_decref(q);
		return;
	}
	json_array_append_new(g->questions, q);
}

/* The question in text, or NULL (a problem, or a type skipped). */
static json_t *
gift_question(struct gift *g, char *text, size_t len)
{
	json_t		*q;
	ssize_t		t, open, close;
	char		*prompt, *after, *title, key[32];
	size_t		pos;

	q = json_object();
	pos = 0;
	if (!strncmp(text, "::", 2) && (t = gift_find(text, len, 2, "::")) >= 0) {
		title = gift_text(text + 2, (size_t)t - 2);
		if (*title != '\0')
			json_object_set_new(q, "title", json_string(title));
		free(title);
		pos = (size_t)t + 2;
	}
	pos += strspn(text + pos, GIFT_BLANKS);
	g->format_html = 0;
	if (text[pos] == '[' && (t = gift_find(text, len, pos, "]")) >= 0 &&
	    t - (ssize_t)pos <= 10) {
		g->format_html = !strncmp(text + pos, "[html]", 6);
		pos = (size_t)t + 1;
	}
	if ((open = gift_find(text, len, pos, "{")) < 0) {
		gift_skip(g, "description", "A text with no answers is a "
		    "description in Moodle, not a question: nothing to grade.");
		json_decref(q);
		return (NULL);
	}
	if ((close = gift_find(text, len, (size_t)open, "}")) < 0) {
		gift_problem(g, "unclosed_answers", "The answers' { has no }.");
		json_decref(q);
		return (NULL);
	}
	if (gift_find(text, len, (size_t)close, "{") >= 0) {
		gift_skip(g, "cloze", "Several answer lists in one question "
		    "(embedded answers, cloze) are not supported.");
		json_decref(q);
		return (NULL);
	}

	/* Answers inside the text leave a blank: Moodle's "missing word". */
	prompt = gift_text(text + pos, (size_t)open - pos);
	after = gift_text(text + close + 1, len - (size_t)close - 1);
	if (*after != '\0') {
		json_object_set_new(q, "prompt", json_pack("s++", prompt,
		    " _____ ", after));
	} else
		json_object_set_new(q, "prompt", json_string(prompt));
	free(prompt);
	free(after);
	if (g->format_html) {
		prompt = quiz_html_text(json_string_value(json_object_get(q,
		    "prompt")), json_string_length(json_object_get(q,
		    "prompt")));
		json_object_set_new(q, "prompt", json_string(prompt != NULL ?
		    prompt : ""));
		free(prompt);
	}
	(void)snprintf(key, sizeof(key), "gift-%zu", g->line);
	json_object_set_new(q, "key", json_string(key));
	if (g->category != NULL)
		json_object_set_new(q, "category", json_string(g->category));

	text[close] = '\0';
	if (!gift_type(g, q, text + open + 1, (size_t)close - (size_t)open - 1)) {
		json_decref(q);
		return (NULL);
	}
	return (q);
}

/* Decides the type from the answers and reads them; 0 when it cannot. */
static int
gift_type(struct gift *g, json_t *q, char *ans, size_t len)
{
	struct gift_answer	a[QUIZ_MAX_CHOICES + 1];
	ssize_t			gf, n;
	char			*fb, *tf;
	int			ok;

	if ((gf = gift_find(ans, len, 0, "####")) >= 0) {
		fb = gift_text(ans + gf + 4, len - (size_t)gf - 4);
		if (*fb != '\0')
			json_object_set_new(q, "explanation", json_string(fb));
		free(fb);
		len = (size_t)gf;
		ans[len] = '\0';
	}
	while (len > 0 && strchr(GIFT_BLANKS, ans[len - 1]) != NULL)
		ans[--len] = '\0';
	while (len > 0 && strchr(GIFT_BLANKS, *ans) != NULL) {
		ans++;
		len--;
	}
	if (len == 0) {
		gift_skip(g, "essay", "Essays are graded by people; this "
		    "model has no essay type.");
		return (0);
	}
	if (*ans == '#')
		return (gift_numeric(g, q, ans + 1, len - 1));
	if (gift_find(ans, len, 0, "~") < 0 && gift_find(ans, len, 0, "=") < 0) {
		tf = gift_text(ans, (n = gift_find(ans, len, 0, "#")) >= 0 ?
		    (size_t)n : len);
		ok = !strcmp(tf, "T") || !strcmp(tf, "TRUE") ||
		    !strcmp(tf, "F") || !strcmp(tf, "FALSE");
		free(tf);
		if (ok)
			return (gift_truefalse(g, q, ans, len));
	}
	if ((n = gift_answers(g, ans, len, a, QUIZ_MAX_CHOICES + 1)) < 0)
		return (0);
	if (gift_find(ans, len, 0, "~") >= 0)
		ok = gift_choices(g, q, a, (size_t)n);
	else if (gift_find(ans, len, 0, "->") >= 0)
		ok = gift_matching(g, q, a, (size_t)n);
	else
		ok = gift_short(g, q, a, (size_t)n);
	gift_answers_free(a, (size_t)n);
	return (ok);
}

/* "{~wrong =right ~%50%half#why}": single if any "=", else multiple. */
static int
gift_choices(struct gift *g, json_t *q, struct gift_answer *a, size_t n)
{
	json_t		*list, *c;
	size_t		i;
	int		single;
	char		key[4];

	single = 0;
	for (i = 0; i < n; i++)
		single |= (a[i].mark == '=');
	json_object_set_new(q, "type", json_string(single ? "single_choice" :
	    "multiple_choice"));
	if (!single)
		json_object_set_new(q, "grading", json_string("partial"));
	list = json_array();
	for (i = 0; i < n; i++) {
		(void)snprintf(key, sizeof(key), "%c", (int)('a' + i));
		c = json_pack("{s:s, s:s, s:f}", "key", key, "text", a[i].text,
		    "fraction", a[i].weighted ? a[i].weight :
		    (a[i].mark == '=' ? 1.0 : 0.0));
		if (a[i].feedback != NULL)
			json_object_set_new(c, "feedback",
			    json_string(a[i].feedback));
		json_array_append_new(list, c);
	}
	json_object_set_new(q, "choices", list);
	return (1);
}

/* "{=answer =%50%answr#fb}": accepted answers. */
static int
gift_short(struct gift *g, json_t *q, struct gift_answer *a, size_t n)
{
	json_t		*list, *e;
	size_t		i;

	json_object_set_new(q, "type", json_string("short_answer"));
	list = json_array();
	for (i = 0; i < n; i++) {
		e = json_pack("{s:s, s:f}", "text", a[i].text, "fraction",
		    a[i].weighted ? a[i].weight : 1.0);
		if (a[i].feedback != NULL)
			json_object_set_new(e, "feedback",
			    json_string(a[i].feedback));
		json_array_append_new(list, e);
	}
	json_object_set_new(q, "answers", list);
	return (1);
}

/* "{=cat -> cat food =dog -> dog food = -> bird seed}". */
static int
gift_matching(struct gift *g, json_t *q, struct gift_answer *a, size_t n)
{
	json_t		*pairs, *distractors;
	ssize_t		arrow;
	size_t		i;
	char		*stem, *ans, key[4];

	json_object_set_new(q, "type", json_string("matching"));
	pairs = json_array();
	distractors = json_array();
	for (i = 0; i < n; i++) {
		/* gift_text unescaped it: "->" is found in the plain text. */
		if ((arrow = gift_find(a[i].text, strlen(a[i].text), 0,
		    "->")) < 0 || a[i].mark != '=') {
			gift_problem(g, "bad_matching", "Answer %zu of a "
			    "matching question is not \"=prompt -> answer\".",
			    i + 1);
			json_decref(pairs);
			json_decref(distractors);
			return (0);
		}
		stem = strndup(a[i].text, (size_t)arrow);
		ans = strdup(a[i].text + arrow + 2);
		while (*stem != '\0' && isspace((unsigned char)stem[strlen(
		    stem) - 1]))
			stem[strlen(stem) - 1] = '\0';
		if (stem[0] == '\0') {
			json_array_append_new(distractors, json_string(ans +
			    strspn(ans, GIFT_BLANKS)));
		} else {
			(void)snprintf(key, sizeof(key), "%c", (int)('a' + i));
			json_array_append_new(pairs, json_pack("{s:s, s:s, "
			    "s:s}", "key", key, "prompt", stem, "answer", ans +
			    strspn(ans, GIFT_BLANKS)));
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

/* "{T}", "{FALSE#shown when wrong#shown when right}". */
static int
gift_truefalse(struct gift *g, json_t *q, char *ans, size_t len)
{
	ssize_t		h1, h2;
	char		*wrong, *right;
	int		truth;
	json_t		*t, *f;

	truth = (*ans == 'T');
	wrong = right = NULL;
	if ((h1 = gift_find(ans, len, 0, "#")) >= 0) {
		h2 = gift_find(ans, len, (size_t)h1 + 1, "#");
		wrong = gift_text(ans + h1 + 1, (h2 >= 0 ? (size_t)h2 : len) -
		    (size_t)h1 - 1);
		if (h2 >= 0)
			right = gift_text(ans + h2 + 1, len - (size_t)h2 - 1);
	}
	t = json_pack("{s:s, s:s, s:b}", "key", "true", "text", "True",
	    "correct", truth);
	f = json_pack("{s:s, s:s, s:b}", "key", "false", "text", "False",
	    "correct", !truth);
	if (wrong != NULL && *wrong != '\0')
		json_object_set_new(truth ? f : t, "feedback",
		    json_string(wrong));
	if (right != NULL && *right != '\0')
		json_object_set_new(truth ? t : f, "feedback",
		    json_string(right));
	free(wrong);
	free(right);
	json_object_set_new(q, "type", json_string("true_false"));
	json_object_set_new(q, "choices", json_pack("[o, o]", t, f));
	return (1);
}

/* "{#2:0.5}", "{#1..3}", "{#=2:0#exact =%50%2:1#near}". */
static int
gift_numeric(struct gift *g, json_t *q, char *ans, size_t len)
{
	struct gift_answer	a[QUIZ_MAX_CHOICES + 1];
	json_t			*list, *e;
	ssize_t			n, i, sep;
	double			v, lo, hi, tol;
	char			*s;

	if (gift_find(ans, len, 0, "=") < 0 && gift_find(ans, len, 0, "~") < 0) {
		/* One answer: "=" in front makes it the list form. */
		s = malloc(len + 2);
		s[0] = '=';
		memcpy(s + 1, ans, len);
		s[len + 1] = '\0';
		n = gift_answers(g, s, len + 1, a, QUIZ_MAX_CHOICES + 1);
		free(s);
	} else
		n = gift_answers(g, ans, len, a, QUIZ_MAX_CHOICES + 1);
	if (n < 0)
		return (0);
	json_object_set_new(q, "type", json_string("numeric"));
	list = json_array();
	for (i = 0; i < n; i++) {
		s = a[i].text;
		tol = 0;
		if ((sep = gift_find(s, strlen(s), 0, "..")) >= 0) {
			if (!gift_number(s, (size_t)sep, &lo) ||
			    !gift_number(s + sep + 2, strlen(s + sep + 2), &hi) ||
			    hi < lo)
				break;
			v = (lo + hi) / 2;
			tol = (hi - lo) / 2;
		} else if ((sep = gift_find(s, strlen(s), 0, ":")) >= 0) {
			if (!gift_number(s, (size_t)sep, &v) ||
			    !gift_number(s + sep + 1, strlen(s + sep + 1), &tol))
				break;
			tol = fabs(tol);
		} else if (!gift_number(s, strlen(s), &v))
			break;
		e = json_pack("{s:f, s:f, s:f}", "value", v, "tolerance", tol,
		    "fraction", a[i].weighted ? a[i].weight : (a[i].mark ==
		    '=' ? 1.0 : 0.0));
		if (a[i].feedback != NULL)
			json_object_set_new(e, "feedback",
			    json_string(a[i].feedback));
		json_array_append_new(list, e);
	}
	if (i < n)
		gift_problem(g, "bad_number", "Numeric answer %zd (\"%.40s\") "
		    "is not a number, number:tolerance or low..high.", i + 1,
		    a[i].text);
	gift_answers_free(a, (size_t)n);
	json_object_set_new(q, "answers", list);
	return (i == n);
}

/*
 * Splits "=a#fb ~%50%b" into answers (at most max); -1 with a problem
 * when there are too many, text before the first, or a bad weight.
 */
static ssize_t
gift_answers(struct gift *g, const char *s, size_t len, struct gift_answer *a,
    size_t max)
{
	size_t		i, start, end, n;
	ssize_t		pct, hash;
	const char	*t;
	char		*w, *endp;

	n = 0;
	i = strspn(s, GIFT_BLANKS);
	if (i < len && s[i] != '=' && s[i] != '~') {
		gift_problem(g, "bad_answers", "The answers start with text "
		    "that is not an answer (\"=\" or \"~\" first).");
		return (-1);
	}
	while (i < len) {
		start = i + 1;
		for (end = start; end < len && s[end] != '=' && s[end] != '~';
		    end++) {
			if (s[end] == '\\' && end + 1 < len)
				end++;
		}
		if (n == max) {
			gift_problem(g, "too_many_answers", "A question has at "
			    "most %d answers.", QUIZ_MAX_CHOICES);
			gift_answers_free(a, n);
			return (-1);
		}
		memset(&a[n], 0, sizeof(a[n]));
		a[n].mark = s[i];
		t = s + start;
		if (*t == '%' && (pct = gift_find(s, end, start + 1, "%")) >= 0) {
			w = strndup(t + 1, (size_t)pct - start - 1);
			a[n].weight = strtod(w, &endp) / 100.0;
			a[n].weighted = (*w != '\0' && *endp == '\0' &&
			    fabs(a[n].weight) <= 1.0);
			free(w);
			if (!a[n].weighted) {
				gift_problem(g, "bad_weight", "Answer %zu's "
				    "%%weight%% is not a percentage from -100 "
				    "to 100.", n + 1);
				gift_answers_free(a, n);
				return (-1);
			}
			start = (size_t)pct + 1;
		}
		if ((hash = gift_find(s, end, start, "#")) >= 0) {
			a[n].text = gift_text(s + start, (size_t)hash - start);
			a[n].feedback = gift_text(s + hash + 1, end -
			    (size_t)hash - 1);
		} else
			a[n].text = gift_text(s + start, end - start);
		n++;
		i = end;
	}
	return ((ssize_t)n);
}

static void
gift_answers_free(struct gift_answer *a, size_t n)
{
	size_t		i;

	for (i = 0; i < n; i++) {
		free(a[i].text);
		free(a[i].feedback);
	}
}

/* Where what first occurs in s[from..len), escapes skipped; or -1. */
static ssize_t
gift_find(const char *s, size_t len, size_t from, const char *what)
{
	size_t		i, w;

	w = strlen(what);
	for (i = from; i < len; i++) {
		if (s[i] == '\\') {
			i++;
			continue;
		}
		if (i + w <= len && !memcmp(s + i, what, w))
			return ((ssize_t)i);
	}
	return (-1);
}

/* s[0..len) unescaped and trimmed, as a new string. */
static char *
gift_text(const char *s, size_t len)
{
	char		*out;
	size_t		i, o;

	if ((out = malloc(len + 1)) == NULL)
		abort();
	for (i = o = 0; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len) {
			i++;
			out[o++] = s[i] == 'n' ? '\n' : s[i];
		} else
			out[o++] = s[i];
	}
	out[o] = '\0';
	while (o > 0 && strchr(GIFT_BLANKS, out[o - 1]) != NULL)
		out[--o] = '\0';
	i = strspn(out, GIFT_BLANKS);
	memmove(out, out + i, o - i + 1);
	return (out);
}

/* A number as GIFT writes them ("2", "-0.5", "1e3"), spaces around. */
static int
gift_number(const char *s, size_t len, double *out)
{
	char		buf[64], *end;
	size_t		i;

	while (len > 0 && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	if (len == 0 || len >= sizeof(buf))
		return (0);
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]) && strchr("+-.eE", s[i]) ==
		    NULL)
			return (0);
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	*out = strtod(buf, &end);
	return (*end == '\0' && isfinite(*out));
}

/* GIFT files are UTF-8 (Moodle's page says so); 0 with the bad line. */
static int
gift_utf8(struct gift *g, const char *s)
{
	json_t		*probe;
	const char	*line, *nl;

	if ((probe = json_string(s)) != NULL) {
		json_decref(probe);
		return (1);
	}
	for (g->line = 1, line = s; line != NULL; g->line++, line = nl) {
		if ((nl = strchr(line, '\n')) != NULL)
			nl++;
		probe = json_stringn(line, nl != NULL ? (size_t)(nl - line) :
		    strlen(line));
		if (probe == NULL)
			break;
		json_decref(probe);
	}
	gift_problem(g, "not_utf8", "The file is not UTF-8 text: save it as "
	    "UTF-8.");
	return (0);
}

static void
gift_problem(struct gift *g, const char *code, const char *fmt, ...)
{
	va_list		ap;
	char		msg[512];

	g->bad = 1;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	quiz_import_problem(g->problems, "line",
	    json_integer((json_int_t)g->line), code, "%s", msg);
}

static void
gift_skip(struct gift *g, const char *type, const char *reason)
{
	json_array_append_new(g->skipped, json_pack("{s:s, s:I, s:s}", "type",
	    type, "line", (json_int_t)g->line, "reason", reason));
}
