/*
 * Question banks from Moodle: GIFT (quiz_gift.c) and Moodle XML
 * (quiz_moodle_xml.c) files turned into questions of the model of
 * docs/questions.md, each checked by quiz_question_check(). Pure: no Kore,
 * no database.
 *
 * Both return the list of questions, or NULL when the file has any
 * problem: a file with a broken question imports nothing. Every problem is
 * appended to problems as {"code", "message", "line"} (GIFT: the line where
 * the question starts) or {"code", "message", "question"} (XML: the
 * question's name, or its position "#3" when it has none), with "path"
 * when the validator found it. Questions of types this model has not
 * (essay, cloze, calculated, descriptions...) are appended to skipped as
 * {"type", "line" | "question", "reason"} and not imported at all.
 */

#ifndef __H_QUIZ_IMPORT_H
#define __H_QUIZ_IMPORT_H

#include <stddef.h>

#include <jansson.h>

#define QUIZ_IMPORT_MAX_BYTES		(10 * 1024 * 1024)
#define QUIZ_IMPORT_MAX_QUESTIONS	2000

json_t	*quiz_gift_parse(const char *, size_t, json_t *, json_t *);
json_t	*quiz_moodle_xml_parse(const char *, size_t, json_t *, json_t *);

/* quiz_import.c: what both importers share. */
char	*quiz_html_text(const char *, size_t);
int	quiz_import_check(const json_t *, json_t *, const char *, json_t *);
void	quiz_import_problem(json_t *, const char *, json_t *, const char *,
	    const char *, ...) __attribute__((format(printf, 5, 6)));
const char *quiz_import_category(const char *);

#endif
