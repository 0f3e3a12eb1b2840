/*
 * What the GIFT and Moodle XML importers share: HTML texts made plain,
 * problems located by line or question name, categories.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "quiz_import.h"
#include "quiz_question.h"

/*
 * The text of an HTML fragment, entities decoded, tags dropped, white
 * space as the author typed it: libxml2's HTML parser, with no network
 * and no error output. NULL when it cannot be parsed at all.
 */
char *
quiz_html_text(const char *html, size_t len)
{
	htmlDocPtr	doc;
	xmlChar		*text;
	char		*out;
	size_t		n;

	if (len == 0 || len > QUIZ_IMPORT_MAX_BYTES)
		return (len == 0 ? strdup("") : NULL);
	doc = htmlReadMemory(html, (int)len, NULL, "UTF-8", HTML_PARSE_NONET |
	    HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NOBLANKS);
	if (doc == NULL)
		return (NULL);
	text = xmlNodeGetContent(xmlDocGetRootElement(doc));
	xmlFreeDoc(doc);
	out = strdup(text != NULL ? (const char *)text : "");
	xmlFree(text);
	if (out == NULL)
		return (NULL);
	/* Trim: HTML's surrounding white space means nothing. */
	n = strlen(out);
	while (n > 0 && strchr(" \t\r\n", out[n - 1]) != NULL)
		out[--n] = '\0';
	n = strspn(out, " \t\r\n");
	memmove(out, out + n, strlen(out + n) + 1);
	return (out);
}

/*
 * Runs the validator on an imported question and files each problem it
 * finds under where (name "line" or "question", value; where is taken).
 * Returns how many.
 */
int
quiz_import_check(const json_t *q, json_t *problems, const char *name,
    json_t *where)
{
	json_t		*found, *p;
	size_t		i, n;

	found = json_array();
	n = quiz_question_check(q, "", found);
	json_array_foreach(found, i, p) {
		if (json_array_size(problems) >= QUIZ_MAX_PROBLEMS)
			break;
		json_object_set(p, name, where);
		json_array_append(problems, p);
	}
	json_decref(found);
	json_decref(where);
	return ((int)n);
}

/* Appends {code, message, name: where} to problems (where is taken). */
void
quiz_import_problem(json_t *problems, const char *name, json_t *where,
    const char *code, const char *fmt, ...)
{
	va_list		ap;
	char		msg[512];
	json_t		*p;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	quiz_problem(problems, code, "", "%s", msg);
	/* quiz_problem listed it (or counted it past the cap). */
	if (json_array_size(problems) <= QUIZ_MAX_PROBLEMS) {
		p = json_array_get(problems, json_array_size(problems) - 1);
		json_object_del(p, "path");
		json_object_set(p, name, where);
	}
	json_decref(where);
}

/*
 * A Moodle category path without its context: "$course$/top/Safety/Online"
 * is "Safety/Online" ("top" is every context's root).
 */
const char *
quiz_import_category(const char *c)
{
	const char	*e;

	while (*c == ' ' || *c == '\t')
		c++;
	if (*c == '$' && (e = strchr(c + 1, '$')) != NULL && e[1] == '/')
		c = e + 2;
	if (!strncmp(c, "top/", 4))
		c += 4;
	else if (!strcmp(c, "top"))
		c += 3;
	return (c);
}
