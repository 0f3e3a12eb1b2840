/*
 * The question model's one validator, used by package import, the
 * authoring API and the GIFT and Moodle XML importers alike: it reports
 * every problem it finds, each with a code, a path (as in JavaScript:
 * "choices[1].fraction") and a message, and stops at none.
 */

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "quiz_question.h"

struct qcheck {
	json_t		*problems;
	const char	*base;		/* the question's own path, or "" */
	size_t		count;
};

static void	qc_problem(struct qcheck *, const char *, const char *,
		    const char *, ...) __attribute__((format(printf, 4, 5)));
static const char *qc_text(struct qcheck *, const json_t *, const char *,
		    const char *, size_t, int);
static int	qc_bool(struct qcheck *, const json_t *, const char *,
		    const char *);
static int	qc_number(struct qcheck *, const json_t *, const char *,
		    const char *, double, double, double *);
static const json_t *qc_list(struct qcheck *, const json_t *, const char *,
		    size_t, size_t);
static void	qc_members(struct qcheck *, const json_t *, const char *,
		    const char *const *);
static int	qc_key_ok(const char *);
static void	utf8_mend(char *);
static void	qc_unique(struct qcheck *, const json_t *, const char *);
static void	qc_choices(struct qcheck *, const json_t *, int);
static void	qc_choice_sums(struct qcheck *, const json_t *, int, int);
static void	qc_answers(struct qcheck *, const json_t *, int);
static void	qc_items(struct qcheck *, const json_t *);
static void	qc_pairs(struct qcheck *, const json_t *);

static const char *const quiz_types[] = {
	"single_choice", "multiple_choice", "true_false", "short_answer",
	"numeric", "ordering", "matching", NULL
};

/* The members each type may have, besides the common ones. */
static const char *const common_members[] = {
	"key", "type", "prompt", "explanation", "title", "category", "lesson",
	NULL
};
static const char *const type_members[][6] = {
	{ "choices", "shuffle", NULL },
	{ "choices", "shuffle", "grading", NULL },
	{ "choices", NULL },
	{ "answers", "case_sensitive", "ignore_accents", "ignore_spaces", NULL },
	{ "answers", NULL },
	{ "items", "grading", NULL },
	{ "pairs", "distractors", "shuffle", "grading", NULL },
};

int
quiz_type_of(const json_t *q)
{
	const char	*t;
	int		i;

	if ((t = json_string_value(json_object_get(q, "type"))) == NULL)
		return (QUIZ_UNKNOWN);
	for (i = 0; quiz_types[i] != NULL; i++) {
		if (!strcmp(t, quiz_types[i]))
			return (i);
	}
	return (QUIZ_UNKNOWN);
}

const char *
quiz_type_name(int type)
{
	if (type < 0 || type > QUIZ_MATCHING)
		return ("unknown");
	return (quiz_types[type]);
}

/* Multiple choice, ordering and matching: partial credit, or none. */
int
quiz_partial(const json_t *q)
{
	const char	*g;

	g = json_string_value(json_object_get(q, "grading"));
	if (g != NULL)
		return (!strcmp(g, "partial"));
	/* Moodle's matching gives a share for each right pair by default. */
	return (quiz_type_of(q) == QUIZ_MATCHING);
}

/* A choice's worth: its fraction, or 1 when marked correct, else 0. */
double
quiz_choice_fraction(const json_t *c)
{
	json_t		*f;

	if ((f = json_object_get(c, "fraction")) != NULL && json_is_number(f))
		return (json_number_value(f));
	return (json_is_true(json_object_get(c, "correct")) ? 1.0 : 0.0);
}

/* A short or numeric answer's worth: its fraction, 1 when not given. */
double
quiz_answer_fraction(const json_t *a)
{
	json_t		*f;

	if ((f = json_object_get(a, "fraction")) != NULL && json_is_number(f))
		return (json_number_value(f));
	return (1.0);
}

/*
 * Appends the problems of question q to problems, paths starting with
 * base ("" for the question itself, "questions[3]" in a list), and
 * returns how many it found.
 */
size_t
quiz_question_check(const json_t *q, const char *base, json_t *problems)
{
	struct qcheck	qc;
	int		type;
	const char	*t;

	qc.problems = problems;
	qc.base = base != NULL ? base : "";
	qc.count = 0;
	if (!json_is_object(q)) {
		qc_problem(&qc, "", "wrong_type", "A question must be an "
		    "object.");
		return (qc.count);
	}
	t = qc_text(&qc, q, "", "key", QUIZ_MAX_KEY, 1);
	if (t != NULL && !qc_key_ok(t))
		qc_problem(&qc, "key", "bad_key", "A key is 1-%d letters, "
		    "digits, '-' or '_'.", QUIZ_MAX_KEY);
	(void)qc_text(&qc, q, "", "prompt", QUIZ_MAX_PROMPT, 1);
	(void)qc_text(&qc, q, "", "explanation", QUIZ_MAX_PROMPT, 0);
	(void)qc_text(&qc, q, "", "title", QUIZ_MAX_TITLE, 0);
	(void)qc_text(&qc, q, "", "category", QUIZ_MAX_CATEGORY, 0);
	(void)qc_text(&qc, q, "", "lesson", QUIZ_MAX_KEY, 0);

	type = QUIZ_UNKNOWN;
	if ((t = qc_text(&qc, q, "", "type", 32, 1)) != NULL &&
	    (type = quiz_type_of(q)) == QUIZ_UNKNOWN) {
		qc_problem(&qc, "type", "unknown_type", "%s is not a question "
		    "type of docs/questions.md.", t);
	}
	if (type == QUIZ_UNKNOWN)
		return (qc.count);

	qc_members(&qc, q, "", type_members[type]);
	(void)qc_bool(&qc, q, "", "shuffle");
	if ((t = qc_text(&qc, q, "", "grading", 32, 0)) != NULL &&
	    strcmp(t, "partial") && strcmp(t, "all_or_nothing"))
		qc_problem(&qc, "grading", "bad_grading", "grading is "
		    "\"all_or_nothing\" or \"partial\".");

	switch (type) {
	case QUIZ_SINGLE:
	case QUIZ_MULTIPLE:
	case QUIZ_TRUE_FALSE:
		qc_choices(&qc, q, type);
		break;
	case QUIZ_SHORT:
	case QUIZ_NUMERIC:
		qc_answers(&qc, q, type);
		break;
	case QUIZ_ORDERING:
		qc_items(&qc, q);
		break;
	case QUIZ_MATCHING:
		qc_pairs(&qc, q);
		break;
	}
	return (qc.count);
}

/* Choices: keyed, with a text, a worth, and feedback if any. */
static void
qc_choices(struct qcheck *qc, const json_t *q, int type)
{
	static const char *const members[] = { "key", "text", "correct",
	    "fraction", "feedback", NULL };
	const json_t	*list, *c;
	char		p[64];
	double		f;
	size_t		i;
	int		partial, has_f, has_c;

	partial = (type == QUIZ_MULTIPLE && quiz_partial(q));
	if ((list = qc_list(qc, q, "choices", 2, type == QUIZ_TRUE_FALSE ?
	    2 : QUIZ_MAX_CHOICES)) == NULL)
		return;
	json_array_foreach(list, i, c) {
		(void)snprintf(p, sizeof(p), "choices[%zu].", i);
		if (!json_is_object(c)) {
			qc_problem(qc, p, "wrong_type", "A choice is an "
			    "object.");
			continue;
		}
		qc_members(qc, c, p, members);
		(void)qc_text(qc, c, p, "key", QUIZ_MAX_KEY, 1);
		(void)qc_text(qc, c, p, "text", QUIZ_MAX_TEXT, 1);
		(void)qc_text(qc, c, p, "feedback", QUIZ_MAX_TEXT, 0);
		has_c = qc_bool(qc, c, p, "correct");
		has_f = qc_number(qc, c, p, "fraction", type == QUIZ_TRUE_FALSE ?
		    0.0 : -1.0, 1.0, &f);
		/* One problem a fault: a member of the wrong type is not
		 * also missing. */
		if (json_object_get(c, "correct") == NULL &&
		    json_object_get(c, "fraction") == NULL)
			qc_problem(qc, p, "missing_member", "A choice says "
			    "whether it is correct, or its fraction.");
		else if (has_c != -1 && has_f == 1 && has_c != (f > 0))
			qc_problem(qc, p, "inconsistent", "correct and "
			    "fraction disagree.");
		if (partial && has_f == -1)
			qc_problem(qc, p, "missing_member", "With partial "
			    "grading every choice has a fraction.");
	}
	qc_unique(qc, list, "choices");
	qc_choice_sums(qc, list, type, partial);
}

/* The worths of the choices together, as each type needs them. */
static void
qc_choice_sums(struct qcheck *qc, const json_t *list, int type, int partial)
{
	const json_t	*c;
	double		f, sum;
	size_t		i, full, right;

	full = right = 0;
	sum = 0;
	json_array_foreach(list, i, c) {
		f = quiz_choice_fraction(c);
		if (f >= 1.0)
			full++;
		if (f > 0) {
			right++;
			sum += f;
		}
	}
	if (type == QUIZ_SINGLE && full == 0)
		qc_problem(qc, "choices", "bad_choices", "One choice at least "
		    "is correct (fraction 1).");
	if (type == QUIZ_TRUE_FALSE && (full != 1 || right != 1))
		qc_problem(qc, "choices", "bad_choices", "Exactly one of the "
		    "two choices is correct.");
	if (type == QUIZ_MULTIPLE && right == 0)
		qc_problem(qc, "choices", "bad_choices", "One choice at least "
		    "is correct.");
	if (type == QUIZ_MULTIPLE && partial && right > 0 &&
	    fabs(sum - 1.0) > QUIZ_SUM_SLACK)
		qc_problem(qc, "choices", "bad_fractions", "The positive "
		    "fractions add up to %.4g, not 1.", sum);
}

/* Short answer (texts) and numeric (values with tolerances). */
static void
qc_answers(struct qcheck *qc, const json_t *q, int type)
{
	static const char *const smembers[] = { "text", "fraction",
	    "feedback", NULL };
	static const char *const nmembers[] = { "value", "tolerance",
	    "fraction", "feedback", NULL };
	const json_t	*list, *a;
	char		p[64];
	double		f;
	size_t		i, full;

	if (type == QUIZ_SHORT) {
		(void)qc_bool(qc, q, "", "case_sensitive");
		(void)qc_bool(qc, q, "", "ignore_accents");
		(void)qc_bool(qc, q, "", "ignore_spaces");
	}
	if ((list = qc_list(qc, q, "answers", 1, QUIZ_MAX_CHOICES)) == NULL)
		return;
	full = 0;
	json_array_foreach(list, i, a) {
		(void)snprintf(p, sizeof(p), "answers[%zu].", i);
		if (!json_is_object(a)) {
			qc_problem(qc, p, "wrong_type", "An answer is an "
			    "object.");
			continue;
		}
		if (type == QUIZ_SHORT) {
			qc_members(qc, a, p, smembers);
			(void)qc_text(qc, a, p, "text", QUIZ_MAX_TEXT, 1);
		} else {
			qc_members(qc, a, p, nmembers);
			if (qc_number(qc, a, p, "value", -1e300, 1e300,
			    &f) == -1)
				qc_problem(qc, p, "missing_member", "A numeric "
				    "answer has a value.");
			(void)qc_number(qc, a, p, "tolerance", 0, 1e300, &f);
		}
		(void)qc_text(qc, a, p, "feedback", QUIZ_MAX_TEXT, 0);
		(void)qc_number(qc, a, p, "fraction", 0, 1, &f);
		if (quiz_answer_fraction(a) >= 1.0)
			full++;
	}
	if (full == 0)
		qc_problem(qc, "answers", "bad_answers", "One answer at least "
		    "is fully right (fraction 1).");
}

/* Ordering: the items, keyed, in their right order. */
static void
qc_items(struct qcheck *qc, const json_t *q)
{
	static const char *const members[] = { "key", "text", NULL };
	const json_t	*list, *it;
	char		p[64];
	size_t		i;

	if ((list = qc_list(qc, q, "items", 2, QUIZ_MAX_CHOICES)) == NULL)
		return;
	json_array_foreach(list, i, it) {
		(void)snprintf(p, sizeof(p), "items[%zu].", i);
		if (!json_is_object(it)) {
			qc_problem(qc, p, "wrong_type", "An item is an "
			    "object.");
			continue;
		}
		qc_members(qc, it, p, members);
		(void)qc_text(qc, it, p, "key", QUIZ_MAX_KEY, 1);
		(void)qc_text(qc, it, p, "text", QUIZ_MAX_TEXT, 1);
	}
	qc_unique(qc, list, "items");
}

/* Matching: keyed pairs of a prompt and its answer, and distractors. */
static void
qc_pairs(struct qcheck *qc, const json_t *q)
{
	static const char *const members[] = { "key", "prompt", "answer",
	    NULL };
	const json_t	*list, *pr, *d;
	char		p[64];
	size_t		i;

	if ((list = qc_list(qc, q, "pairs", 2, QUIZ_MAX_CHOICES)) != NULL) {
		json_array_foreach(list, i, pr) {
			(void)snprintf(p, sizeof(p), "pairs[%zu].", i);
			if (!json_is_object(pr)) {
				qc_problem(qc, p, "wrong_type", "A pair is an "
				    "object.");
				continue;
			}
			qc_members(qc, pr, p, members);
			(void)qc_text(qc, pr, p, "key", QUIZ_MAX_KEY, 1);
			(void)qc_text(qc, pr, p, "prompt", QUIZ_MAX_TEXT, 1);
			(void)qc_text(qc, pr, p, "answer", QUIZ_MAX_TEXT, 1);
		}
		qc_unique(qc, list, "pairs");
	}
	if (json_object_get(q, "distractors") == NULL)
		return;
	if ((list = qc_list(qc, q, "distractors", 0, QUIZ_MAX_CHOICES)) == NULL)
		return;
	json_array_foreach(list, i, d) {
		(void)snprintf(p, sizeof(p), "distractors[%zu]", i);
		if (!json_is_string(d) || json_string_length(d) == 0 ||
		    json_string_length(d) > QUIZ_MAX_TEXT)
			qc_problem(qc, p, "wrong_type", "A distractor is a "
			    "text of 1-%d bytes.", QUIZ_MAX_TEXT);
	}
}

/* Keys unique within a list of objects. */
static void
qc_unique(struct qcheck *qc, const json_t *list, const char *name)
{
	const json_t	*a, *b;
	const char	*ka, *kb;
	char		p[64];
	size_t		i, j;

	json_array_foreach(list, i, a) {
		if ((ka = json_string_value(json_object_get(a, "key"))) == NULL)
			continue;
		for (j = 0; j < i; j++) {
			b = json_array_get(list, j);
			kb = json_string_value(json_object_get(b, "key"));
			if (kb != NULL && !strcmp(ka, kb)) {
				(void)snprintf(p, sizeof(p), "%s[%zu].key",
				    name, i);
				qc_problem(qc, p, "duplicate_key", "Key %s is "
				    "used twice.", ka);
				break;
			}
		}
	}
}

static int
qc_key_ok(const char *k)
{
	size_t		n;

	for (n = 0; k[n] != '\0'; n++) {
		if (!((k[n] >= 'a' && k[n] <= 'z') ||
		    (k[n] >= 'A' && k[n] <= 'Z') ||
		    (k[n] >= '0' && k[n] <= '9') || k[n] == '-' || k[n] == '_'))
			return (0);
	}
	return (n > 0 && n <= QUIZ_MAX_KEY);
}

/* Members not in common_members nor in extra: each a problem. */
static void
qc_members(struct qcheck *qc, const json_t *o, const char *where,
    const char *const *extra)
{
	const char	*k;
	json_t		*v;
	char		p[128];
	size_t		i;
	int		ok;

	json_object_foreach((json_t *)o, k, v) {
		ok = 0;
		for (i = 0; extra[i] != NULL && !ok; i++)
			ok = !strcmp(k, extra[i]);
		for (i = 0; *where == '\0' && common_members[i] != NULL &&
		    !ok; i++)
			ok = !strcmp(k, common_members[i]);
		if (ok)
			continue;
		(void)snprintf(p, sizeof(p), "%s%.64s", where, k);
		qc_problem(qc, p, "unknown_member", "This member has no "
		    "meaning here.");
	}
}

/* A text member: NULL when absent (a problem if required) or wrong. */
static const char *
qc_text(struct qcheck *qc, const json_t *o, const char *where,
    const char *name, size_t max, int required)
{
	json_t		*v;
	char		p[128];
	size_t		len;

	(void)snprintf(p, sizeof(p), "%s%s", where, name);
	if ((v = json_object_get(o, name)) == NULL || json_is_null(v)) {
		if (required)
			qc_problem(qc, p, "missing_member", "%s is required.",
			    name);
		return (NULL);
	}
	if (!json_is_string(v)) {
		qc_problem(qc, p, "wrong_type", "%s is a text.", name);
		return (NULL);
	}
	len = json_string_length(v);
	if (len > max || (required && len == 0) ||
	    strlen(json_string_value(v)) != len) {
		qc_problem(qc, p, "bad_length", "%s is 1-%zu bytes, with no "
		    "NUL.", name, max);
		return (NULL);
	}
	return (json_string_value(v));
}

/* -1 absent, else the boolean (a problem when not one). */
static int
qc_bool(struct qcheck *qc, const json_t *o, const char *where,
    const char *name)
{
	json_t		*v;
	char		p[128];

	if ((v = json_object_get(o, name)) == NULL)
		return (-1);
	if (!json_is_boolean(v)) {
		(void)snprintf(p, sizeof(p), "%s%s", where, name);
		qc_problem(qc, p, "wrong_type", "%s is true or false.", name);
		return (-1);
	}
	return (json_is_true(v));
}

/* -1 absent, 0 wrong (a problem), 1 a number in [min, max] in *out. */
static int
qc_number(struct qcheck *qc, const json_t *o, const char *where,
    const char *name, double min, double max, double *out)
{
	json_t		*v;
	char		p[128];
	double		d;

	if ((v = json_object_get(o, name)) == NULL)
		return (-1);
	(void)snprintf(p, sizeof(p), "%s%s", where, name);
	if (!json_is_number(v)) {
		qc_problem(qc, p, "wrong_type", "%s is a number.", name);
		return (0);
	}
	d = json_number_value(v);
	if (!isfinite(d) || d < min || d > max) {
		qc_problem(qc, p, "out_of_range", "%s is from %g to %g.", name,
		    min, max);
		return (0);
	}
	*out = d;
	return (1);
}

/* A list member of min-max elements; NULL when absent or wrong. */
static const json_t *
qc_list(struct qcheck *qc, const json_t *o, const char *name, size_t min,
    size_t max)
{
	json_t		*v;

	if ((v = json_object_get(o, name)) == NULL) {
		qc_problem(qc, name, "missing_member", "%s is required.",
		    name);
		return (NULL);
	}
	if (!json_is_array(v)) {
		qc_problem(qc, name, "wrong_type", "%s is a list.", name);
		return (NULL);
	}
	if (json_array_size(v) < min || json_array_size(v) > max) {
		qc_problem(qc, name, "bad_length", "%s holds %zu-%zu "
		    "elements.", name, min, max);
		return (NULL);
	}
	return (v);
}

static void
qc_problem(struct qcheck *qc, const char *path, const char *code,
    const char *fmt, ...)
{
	va_list		ap;
	char		full[256], msg[256];
	const char	*sep;
	size_t		len;

	qc->count++;
	/* "choices[1]." is how members build their paths; not a path. */
	len = strlen(path);
	sep = (*qc->base != '\0' && *path != '\0') ? "." : "";
	(void)snprintf(full, sizeof(full), "%s%s%.*s", qc->base, sep,
	    (int)(len > 0 && path[len - 1] == '.' ? len - 1 : len), path);
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	quiz_problem(qc->problems, code, full, "%s", msg);
}

/*
 * Appends {code, path, message} to problems, up to QUIZ_MAX_PROBLEMS;
 * past it, one last too_many_problems entry counts the others.
 */
void
quiz_problem(json_t *problems, const char *code, const char *path,
    const char *fmt, ...)
{
	va_list		ap;
	char		msg[512];
	json_t		*last;
	json_int_t	more;
	size_t		n;

	if (problems == NULL)
		return;
	n = json_array_size(problems);
	if (n >= QUIZ_MAX_PROBLEMS) {
		last = json_array_get(problems, n - 1);
		if (n == QUIZ_MAX_PROBLEMS) {
			json_array_append_new(problems, json_pack("{s:s, s:s, "
			    "s:s, s:I}", "code", "too_many_problems", "path",
			    "", "message", "More problems were found.",
			    "more", (json_int_t)1));
			return;
		}
		more = json_integer_value(json_object_get(last, "more"));
		json_object_set_new(last, "more", json_integer(more + 1));
		return;
	}
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	utf8_mend(msg);
	json_array_append_new(problems, json_pack("{s:s, s:s, s:s}", "code",
	    code, "path", path, "message", msg));
}

/*
 * Messages quote what they found, cut to a length: a cut (or a bad byte
 * quoted) must not make the message invalid UTF-8, which jansson refuses
 * (the problem would be lost). Bad bytes become '?'.
 */
static void
utf8_mend(char *s)
{
	unsigned char	*u;
	size_t		n, i;

	for (u = (unsigned char *)s; *u != '\0'; u += n) {
		if (*u < 0x80) {
			n = 1;
			continue;
		}
		if (*u >= 0xc2 && *u <= 0xdf)
			n = 2;
		else if (*u >= 0xe0 && *u <= 0xef)
			n = 3;
		else if (*u >= 0xf0 && *u <= 0xf4)
			n = 4;
		else
			n = 0;
		for (i = 1; i < n && (u[i] & 0xc0) == 0x80; i++)
			;
		/* Overlong and surrogate forms are refused as well. */
		if (n == 0 || i < n || (u[0] == 0xe0 && u[1] < 0xa0) ||
		    (u[0] == 0xed && u[1] > 0x9f) ||
		    (u[0] == 0xf0 && u[1] < 0x90) ||
		    (u[0] == 0xf4 && u[1] > 0x8f)) {
			*u = '?';
			n = 1;
		}
	}
}
