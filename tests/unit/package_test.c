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
	    "html")), "<h1>Title</h1>"));
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
	/* key, title, missing file, type, lesson, media type */
	assert_true(json_array_size(problems) >= 6);
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
	};

	return (cmocka_run_group_tests_name("package", tests, NULL, NULL));
}
