/*
 * What the importers' unit tests share (quiz_gift_test.c,
 * quiz_moodle_xml_test.c): reading a fixture and looking into the questions
 * an importer made. Included after <cmocka.h> and <jansson.h>.
 */

#ifndef __H_QUIZ_IMPORT_TEST_H
#define __H_QUIZ_IMPORT_TEST_H

static char *
slurp(const char *path, size_t *len)
{
	FILE		*f;
	char		*buf;
	long		n;

	if ((f = fopen(path, "rb")) == NULL)
		fail_msg("cannot open %s (run from the repository's top)", path);
	(void)fseek(f, 0, SEEK_END);
	n = ftell(f);
	(void)fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return (buf);
}

/* The question titled title. */
static json_t *
titled(json_t *qs, const char *title)
{
	json_t		*q;
	size_t		i;

	json_array_foreach(qs, i, q) {
		if (!strcmp(json_string_value(json_object_get(q, "title")),
		    title))
			return (q);
	}
	fail_msg("no question titled %s", title);
	return (NULL);
}

static const char *
str(json_t *o, const char *path)
{
	json_t		*v;
	char		buf[128], *tok, *save;

	(void)snprintf(buf, sizeof(buf), "%s", path);
	v = o;
	for (tok = strtok_r(buf, ".", &save); tok != NULL;
	    tok = strtok_r(NULL, ".", &save)) {
		if (json_is_array(v))
			v = json_array_get(v, (size_t)atoi(tok));
		else
			v = json_object_get(v, tok);
	}
	return (json_string_value(v));
}

static double
num(json_t *o, const char *list, size_t i, const char *member)
{
	return (json_number_value(json_object_get(json_array_get(
	    json_object_get(o, list), i), member)));
}

#endif
