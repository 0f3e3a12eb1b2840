/*
 * Unit tests for src/package.c: packages built in memory with libzip.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zip.h>

#include "jsonpath.h"
#include "package.h"

static const char	*manifest =
    "{\"format\":1,\"key\":\"m1\",\"title\":\"Module\",\"order\":1,"
    "\"lessons\":[{\"key\":\"l1\",\"title\":\"One\",\"file\":\"lessons/1.md\","
    "\"minutes\":3}]}";

/* A zip of name/content pairs (NULL-terminated), returned in *len. */
static unsigned char *
build(size_t *len, ...)
{
	char		path[] = "/tmp/package_test-XXXXXX";
	zip_source_t	*fs;
	zip_t		*za;
	va_list		ap;
	const char	*name, *data;
	unsigned char	*out;
	FILE		*fp;
	long		size;
	int		fd;

	assert_true((fd = mkstemp(path)) != -1);
	close(fd);
	za = zip_open(path, ZIP_TRUNCATE, NULL);
	assert_non_null(za);
	va_start(ap, len);
	while ((name = va_arg(ap, const char *)) != NULL) {
		data = va_arg(ap, const char *);
		fs = zip_source_buffer(za, data, strlen(data), 0);
		assert_true(zip_file_add(za, name, fs, ZIP_FL_ENC_UTF_8) >= 0);
	}
	va_end(ap);
	assert_int_equal(zip_close(za), 0);

	assert_non_null(fp = fopen(path, "rb"));
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	rewind(fp);
	out = malloc(size);
	*len = fread(out, 1, size, fp);
	fclose(fp);
	unlink(path);
	return (out);
}

static json_t *
parse(json_t *problems, unsigned char *zip, size_t len)
{
	json_t	*doc;

	doc = package_parse(zip, len, problems);
	free(zip);
	return (doc);
}

/* The problem with this file and code (and path, when not NULL). */
static json_t *
find(json_t *problems, const char *file, const char *code, const char *path)
{
	json_t		*p;
	const char	*pp;
	size_t		i;

	json_array_foreach(problems, i, p) {
		pp = json_string_value(json_object_get(p, "path"));
		if (!strcmp(json_string_value(json_object_get(p, "file")), file) &&
		    !strcmp(json_string_value(json_object_get(p, "code")), code) &&
		    (path == NULL || (pp != NULL && !strcmp(pp, path))))
			return (p);
	}
	print_message("no problem %s %s %s\n", file, code, path ? path : "");
	return (NULL);
}

static json_int_t
line_of(json_t *problem)
{
	return (json_integer_value(json_object_get(problem, "line")));
}

static json_int_t
column_of(json_t *problem)
{
	return (json_integer_value(json_object_get(problem, "column")));
}

static void
valid_package_becomes_a_document(void **state)
{
	json_t		*problems = json_array(), *doc, *lesson;
	size_t		len;
	unsigned char	*zip;

	zip = build(&len, "module.json", manifest, "lessons/1.md",
	    "# Title\n\n<script>x()</script>[a](javascript:alert(1))\n", NULL);
	doc = parse(problems, zip, len);
	assert_non_null(doc);
	assert_int_equal(json_array_size(problems), 0);
	lesson = json_array_get(json_object_get(doc, "lessons"), 0);
	assert_string_equal(json_string_value(json_object_get(lesson, "key")),
	    "l1");
	assert_non_null(strstr(json_string_value(json_object_get(lesson,
	    "html")), "<h2>Title</h2>"));
	assert_null(strstr(json_string_value(json_object_get(lesson, "html")),
	    "<script"));
	assert_null(strstr(json_string_value(json_object_get(lesson, "html")),
	    "javascript:"));
	assert_int_equal(strlen(json_string_value(json_object_get(doc,
	    "package_sha256"))), 64);
	json_decref(doc);
	json_decref(problems);
}

static void
traversal_and_missing_manifest(void **state)
{
	unsigned char	*zip;
	json_t		*problems = json_array();
	size_t		len;

	zip = build(&len, "../x.md", "x", NULL);
	assert_null(parse(problems, zip, len));
	assert_int_equal(json_array_size(problems), 1);
	json_array_clear(problems);
	zip = build(&len, "lessons/1.md", "x", NULL);
	assert_null(parse(problems, zip, len));
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    problems, 0), "file")), "module.json");
	json_decref(problems);
}

static void
bad_json_has_a_position(void **state)
{
	unsigned char	*zip;
	json_t		*problems = json_array(), *p;
	size_t		len;

	zip = build(&len, "module.json", "{\n\"a\": ,\n}", NULL);
	assert_null(parse(problems, zip, len));
	p = json_array_get(problems, 0);
	assert_int_equal(json_integer_value(json_object_get(p, "line")), 2);
	json_decref(problems);
}

static void
every_problem_is_listed(void **state)
{
	unsigned char	*zip;
	json_t		*problems = json_array();
	size_t		len;
	const char	*m =
	    "{\"key\":\"Bad\",\"title\":\"\",\"lessons\":[{\"key\":\"l1\","
	    "\"title\":\"One\",\"file\":\"lessons/none.md\"}],"
	    "\"quiz\":{\"key\":\"q\",\"title\":\"Q\",\"questions\":[{\"key\":"
	    "\"a\",\"type\":\"essay\",\"prompt\":\"?\",\"lesson\":\"zz\"}]}}";

	zip = build(&len, "module.json", m, "media/x.png", "<svg/>", NULL);
	assert_null(parse(problems, zip, len));
	assert_non_null(find(problems, "module.json", "bad_key", "key"));
	assert_non_null(find(problems, "module.json", "bad_length", "title"));
	assert_non_null(find(problems, "module.json", "missing_file",
	    "lessons[0].file"));
	assert_non_null(find(problems, "module.json", "unknown_type",
	    "quiz.questions[0].type"));
	assert_non_null(find(problems, "module.json", "unknown_lesson",
	    "quiz.questions[0].lesson"));
	assert_non_null(find(problems, "media/x.png", "media_type", NULL));
	assert_int_equal(json_array_size(problems), 6);
	json_decref(problems);
}

/*
 * A lesson whose entry in module.json is wrong still has its file read:
 * its UTF-8 and its links are checked too.
 */
static void
bad_lesson_entry_still_checks_its_file(void **state)
{
	unsigned char	*zip;
	json_t		*problems = json_array(), *p;
	size_t		len;
	const char	*m =
	    "{\"key\":\"m\",\"title\":\"M\",\"lessons\":["
	    "{\"key\":\"Bad Key\",\"title\":\"One\",\"file\":\"lessons/1.md\"},"
	    "{\"key\":\"two\",\"file\":\"lessons/2.md\"}]}";

	zip = build(&len, "module.json", m,
	    "lessons/1.md", "# One\n\ntext\n\n![x](media/none.png)\n",
	    "lessons/2.md", "ok\n\xc3\x28\n", NULL);
	assert_null(parse(problems, zip, len));
	assert_non_null(find(problems, "module.json", "bad_key",
	    "lessons[0].key"));
	assert_non_null(p = find(problems, "lessons/1.md", "missing_media",
	    NULL));
	assert_int_equal(line_of(p), 5);
	assert_int_equal(column_of(p), 1);
	assert_non_null(find(problems, "module.json", "missing_member",
	    "lessons[1].title"));
	assert_non_null(p = find(problems, "lessons/2.md", "not_utf8", NULL));
	assert_int_equal(line_of(p), 2);
	assert_int_equal(json_array_size(problems), 4);
	json_decref(problems);
}

/*
 * module.json problems carry their JSON path and the line where that
 * value starts, or where the object lacking it starts. Strings with
 * brackets, escaped quotes and non-ASCII before the value do not mislead.
 */
static const char	*located =
    "{\n"							/* 1 */
    "  \"format\": 1,\n"					/* 2 */
    "  \"key\": \"m\",\n"					/* 3 */
    "  \"title\": \"A [tricky] \\\"{title}\\\", \u00e9t\u00e9 \xc3\xa9\",\n"	/* 4 */
    "  \"order\": \"first\",\n"				/* 5 */
    "  \"lessons\": [\n"					/* 6 */
    "    {\"key\": \"one\", \"title\": \"One\",\n"		/* 7 */
    "     \"file\": \"lessons/1.md\"},\n"			/* 8 */
    "    {\"key\": \"one\",\n"					/* 9 */
    "     \"title\": \"Two\", \"file\": \"lessons/1.md\"},\n"	/* 10 */
    "    {\n"							/* 11 */
    "      \"key\": \"Three!\", \"file\": \"lessons/1.md\"\n"	/* 12 */
    "    }\n"							/* 13 */
    "  ],\n"							/* 14 */
    "  \"quiz\": {\"key\": \"q\", \"title\": \"Q\", \"required\": \"maybe\",\n"	/* 15 */
    "    \"questions\": [{\"key\": \"a\", \"type\": \"true_false\",\n"	/* 16 */
    "      \"prompt\": \"?\", \"choices\": [\n"		/* 17 */
    "        {\"key\": \"t\", \"text\": \"T\", \"correct\": \"yes\"},\n"	/* 18 */
    "        {\"key\": \"f\", \"text\": \"F\", \"correct\": true}]}]}\n"	/* 19 */
    "}\n";

static void
manifest_problems_have_path_and_line(void **state)
{
	unsigned char	*zip;
	json_t		*problems = json_array(), *p;
	size_t		len;

	zip = build(&len, "module.json", located, "lessons/1.md", "Hi\n",
	    NULL);
	assert_null(parse(problems, zip, len));

	assert_non_null(p = find(problems, "module.json", "wrong_type",
	    "order"));
	assert_int_equal(line_of(p), 5);
	assert_int_equal(column_of(p), 12);
	/* The repeated key: the line of the second lesson's key. */
	assert_non_null(p = find(problems, "module.json", "duplicate_key",
	    "lessons[1].key"));
	assert_int_equal(line_of(p), 9);
	assert_int_equal(column_of(p), 13);
	assert_non_null(p = find(problems, "module.json", "bad_key",
	    "lessons[2].key"));
	assert_int_equal(line_of(p), 12);
	/* A missing member: the line of the object that lacks it. */
	assert_non_null(p = find(problems, "module.json", "missing_member",
	    "lessons[2].title"));
	assert_int_equal(line_of(p), 11);
	assert_int_equal(column_of(p), 5);
	assert_non_null(p = find(problems, "module.json", "wrong_type",
	    "quiz.required"));
	assert_int_equal(line_of(p), 15);
	assert_non_null(p = find(problems, "module.json", "wrong_type",
	    "quiz.questions[0].choices[0].correct"));
	assert_int_equal(line_of(p), 18);
	assert_int_equal(json_array_size(problems), 6);
	json_decref(problems);
}

static void
jsonpath_locates_values(void **state)
{
	size_t	line, col;

	assert_true(jsonpath_locate(located, strlen(located), "title", &line,
	    &col));
	assert_int_equal(line, 4);
	assert_int_equal(col, 12);
	assert_true(jsonpath_locate(located, strlen(located),
	    "quiz.questions[0].choices[1].correct", &line, &col));
	assert_int_equal(line, 19);
	/* After the non-ASCII title, columns count characters. */
	assert_true(jsonpath_locate(located, strlen(located), "lessons[0]",
	    &line, &col));
	assert_int_equal(line, 7);
	assert_int_equal(col, 5);
	assert_false(jsonpath_locate(located, strlen(located), "lessons[3]",
	    &line, &col));
	assert_int_equal(line, 6);
	assert_false(jsonpath_locate(located, strlen(located), "nothing.here",
	    &line, &col));
	assert_int_equal(line, 1);
	assert_false(jsonpath_locate(located, strlen(located), "key[0]",
	    &line, &col));
	assert_int_equal(line, 3);
}

/* quiz.required and the other members are checked for their types. */
static void
member_types_are_checked(void **state)
{
	unsigned char	*zip;
	json_t		*problems = json_array();
	size_t		len;
	const char	*m =
	    "{\"format\":2,\"key\":\"m\",\"title\":\"M\",\"summary\":5,"
	    "\"requires_previous\":\"no\",\"lessons\":[{\"key\":\"a\","
	    "\"title\":\"A\",\"file\":\"lessons/1.md\",\"minutes\":2.5,"
	    "\"video\":\"https://v.example/x\",\"attachments\":\"media/x\"}],"
	    "\"quiz\":{\"key\":\"q\",\"title\":\"Q\",\"required\":\"maybe\","
	    "\"pass_mark\":101,\"questions\":[\"q1\"]}}";

	zip = build(&len, "module.json", m, "lessons/1.md", "x\n", NULL);
	assert_null(parse(problems, zip, len));
	assert_non_null(find(problems, "module.json", "out_of_range",
	    "format"));
	assert_non_null(find(problems, "module.json", "wrong_type",
	    "summary"));
	assert_non_null(find(problems, "module.json", "wrong_type",
	    "requires_previous"));
	assert_non_null(find(problems, "module.json", "wrong_type",
	    "lessons[0].minutes"));
	assert_non_null(find(problems, "module.json", "wrong_type",
	    "lessons[0].video"));
	assert_non_null(find(problems, "module.json", "wrong_type",
	    "lessons[0].attachments"));
	assert_non_null(find(problems, "module.json", "wrong_type",
	    "quiz.required"));
	assert_non_null(find(problems, "module.json", "out_of_range",
	    "quiz.pass_mark"));
	assert_non_null(find(problems, "module.json", "wrong_type",
	    "quiz.questions[0]"));
	assert_int_equal(json_array_size(problems), 9);
	json_decref(problems);
}

/* Headings go down a level: the lesson page's title is its one <h1>. */
static void
headings_are_demoted(void **state)
{
	unsigned char	*zip;
	json_t		*problems = json_array(), *doc;
	const char	*html;
	size_t		len;

	zip = build(&len, "module.json", manifest, "lessons/1.md",
	    "# One\n\n## Two\n\nThree\n=====\n\n##### Five\n\n"
	    "###### Six\n\n`# not a heading`\n", NULL);
	assert_non_null(doc = parse(problems, zip, len));
	html = json_string_value(json_object_get(json_array_get(
	    json_object_get(doc, "lessons"), 0), "html"));
	assert_null(strstr(html, "<h1"));
	assert_non_null(strstr(html, "<h2>One</h2>"));
	assert_non_null(strstr(html, "<h3>Two</h3>"));
	assert_non_null(strstr(html, "<h2>Three</h2>"));
	assert_non_null(strstr(html, "<h6>Five</h6>"));
	assert_non_null(strstr(html, "<h6>Six</h6>"));
	assert_non_null(strstr(html, "<code># not a heading</code>"));
	json_decref(doc);
	json_decref(problems);
}

/* Past PKG_MAX_PROBLEMS, problems are counted in one last entry. */
static void
problems_are_capped(void **state)
{
	unsigned char	*zip;
	json_t		*problems = json_array(), *last;
	char		*m;
	size_t		len, i, off;

	m = malloc(100 * 64 + 128);
	off = (size_t)sprintf(m, "{\"key\":\"m\",\"title\":\"M\","
	    "\"lessons\":[");
	for (i = 0; i < 100; i++)
		off += (size_t)sprintf(m + off, "%s{\"key\":\"X%zu\","
		    "\"title\":\"T\",\"file\":\"none\"}", i ? "," : "", i);
	(void)sprintf(m + off, "]}");
	zip = build(&len, "module.json", m, NULL);
	assert_null(parse(problems, zip, len));
	assert_int_equal(json_array_size(problems), PKG_MAX_PROBLEMS + 1);
	last = json_array_get(problems, PKG_MAX_PROBLEMS);
	assert_string_equal(json_string_value(json_object_get(last, "code")),
	    "too_many_problems");
	assert_non_null(strstr(json_string_value(json_object_get(last,
	    "message")), "100 more"));
	free(m);
	json_decref(problems);
}

/*
 * Questions are checked by the question model's validator
 * (quiz_question.c): all seven types, numeric and partial credit
 * included, with its problems at paths of module.json and their lines.
 */
static void
questions_use_the_one_validator(void **state)
{
	unsigned char	*zip;
	json_t		*problems = json_array(), *doc, *p;
	size_t		len;
	const char	*good =
	    "{\"key\":\"m\",\"title\":\"M\",\"lessons\":[{\"key\":\"a\","
	    "\"title\":\"A\",\"file\":\"lessons/1.md\"}],\"quiz\":{\"key\":"
	    "\"q\",\"title\":\"Q\",\"questions\":["
	    "{\"key\":\"n\",\"type\":\"numeric\",\"prompt\":\"Days?\","
	    "\"answers\":[{\"value\":2},{\"value\":3,\"tolerance\":1,"
	    "\"fraction\":0.5}]},"
	    "{\"key\":\"p\",\"type\":\"multiple_choice\",\"grading\":"
	    "\"partial\",\"prompt\":\"Which?\",\"choices\":[{\"key\":\"a\","
	    "\"text\":\"A\",\"fraction\":0.5},{\"key\":\"b\",\"text\":\"B\","
	    "\"fraction\":0.5},{\"key\":\"c\",\"text\":\"C\",\"fraction\":-1}]}"
	    "]}}";
	const char	*bad =
	    "{\"key\":\"m\",\"title\":\"M\",\"lessons\":[{\"key\":\"a\",\n"
	    "\"title\":\"A\",\"file\":\"lessons/1.md\"}],\"quiz\":{\"key\":\n"
	    "\"q\",\"title\":\"Q\",\"questions\":[\n"
	    "{\"key\":\"n\",\"type\":\"numeric\",\"prompt\":\"Days?\",\n"
	    "\"answers\":[{\"value\":\"two\"}]},\n"
	    "{\"key\":\"m\",\"type\":\"matching\",\"prompt\":\"Match\",\n"
	    "\"pairs\":[{\"key\":\"x\",\"prompt\":\"X\"},\n"
	    "{\"key\":\"y\",\"prompt\":\"Y\",\"answer\":\"y\"}],\"colour\":1}\n"
	    "]}}";

	zip = build(&len, "module.json", good, "lessons/1.md", "x\n", NULL);
	doc = parse(problems, zip, len);
	if (doc == NULL)
		fail_msg("%s", json_dumps(problems, JSON_INDENT(1)));
	assert_int_equal(json_array_size(problems), 0);
	json_decref(doc);

	zip = build(&len, "module.json", bad, "lessons/1.md", "x\n", NULL);
	assert_null(parse(problems, zip, len));
	assert_non_null(p = find(problems, "module.json", "wrong_type",
	    "quiz.questions[0].answers[0].value"));
	assert_int_equal(line_of(p), 5);
	assert_non_null(find(problems, "module.json", "missing_member",
	    "quiz.questions[1].pairs[0].answer"));
	assert_non_null(p = find(problems, "module.json", "unknown_member",
	    "quiz.questions[1].colour"));
	assert_int_equal(line_of(p), 8);
	json_decref(problems);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_package_becomes_a_document),
		cmocka_unit_test(traversal_and_missing_manifest),
		cmocka_unit_test(bad_json_has_a_position),
		cmocka_unit_test(every_problem_is_listed),
		cmocka_unit_test(bad_lesson_entry_still_checks_its_file),
		cmocka_unit_test(manifest_problems_have_path_and_line),
		cmocka_unit_test(jsonpath_locates_values),
		cmocka_unit_test(member_types_are_checked),
		cmocka_unit_test(headings_are_demoted),
		cmocka_unit_test(problems_are_capped),
		cmocka_unit_test(questions_use_the_one_validator),
	};

	return (cmocka_run_group_tests_name("package", tests, NULL, NULL));
}
