/*
 * Unit tests for src/ob3_keys.c: which files are keys, which one signs,
 * the kids, the folder's name. The files' contents are not parsed here
 * (src/ob3.c does that), so any text will do.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ob3_keys.h"

static char	dir[64];

static void
put(const char *name, const char *text)
{
	char	path[128];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static void
drop(const char *name)
{
	char	path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

static int
setup(void **state)
{
	strcpy(dir, "/tmp/ob3keysXXXXXX");
	return (mkdtemp(dir) == NULL);
}

static int
teardown(void **state)
{
	const char	*names[] = { "a.key", "a.pub", "b.key", "b.pub",
			    "c.pub", ".h.key", "x.key.tmp", "bad name.pub" };
	size_t		 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		drop(names[i]);
	return (rmdir(dir));
}

static void
newest_signs_all_published(void **state)
{
	struct ob3_keys	k;

	put("a.key", "A-PRIVATE");
	put("a.pub", "A-PUBLIC");
	put("c.pub", "C-PUBLIC");
	put("b.key", "B-PRIVATE");
	put("b.pub", "B-PUBLIC");
	put(".h.key", "HIDDEN");
	put("x.key.tmp", "HALF-WRITTEN");
	put("bad name.pub", "STRAY");
	assert_true(ob3_keys_load(dir, "https://h/jwks.json", &k));
	assert_int_equal(k.n, 3);
	assert_string_equal(k.kid[0], "https://h/jwks.json#a");
	assert_string_equal(k.kid[2], "https://h/jwks.json#c");
	assert_int_equal(k.signer, 1);
	assert_string_equal(k.pub[k.signer], "B-PUBLIC");
	assert_string_equal(k.signer_pem, "B-PRIVATE");
	ob3_keys_free(&k);
	assert_int_equal(k.n, 0);

	/* Retired: b's private key gone, a signs, b still published. */
	drop("b.key");
	assert_true(ob3_keys_load(dir, NULL, &k));
	assert_int_equal(k.n, 3);
	assert_string_equal(k.kid[k.signer], "a");
	assert_string_equal(k.kid[1], "b");
	ob3_keys_free(&k);
}

static void
refusals(void **state)
{
	struct ob3_keys	k;

	assert_false(ob3_keys_load("/nonexistent/ob3", NULL, &k));
	assert_false(ob3_keys_load(dir, NULL, &k));	/* empty */
	put("a.key", "A-PRIVATE");
	assert_false(ob3_keys_load(dir, NULL, &k));	/* no .pub */
	put("b.pub", "B-PUBLIC");
	assert_false(ob3_keys_load(dir, NULL, &k));	/* a's .pub missing */
	put("a.pub", "");
	assert_false(ob3_keys_load(dir, NULL, &k));	/* empty file */
	put("a.pub", "A-PUBLIC");
	assert_true(ob3_keys_load(dir, NULL, &k));
	ob3_keys_free(&k);
}

static void
folder_from_the_environment(void **state)
{
	char	buf[64];

	setenv("SG_OB3_KEY_DIR", "/etc/sg/ob3", 1);
	setenv("SG_VAR_DIR", "/srv/var", 1);
	assert_string_equal(ob3_keys_dir(buf, sizeof(buf)), "/etc/sg/ob3");
	unsetenv("SG_OB3_KEY_DIR");
	assert_string_equal(ob3_keys_dir(buf, sizeof(buf)), "/srv/var/keys/ob3");
	assert_null(ob3_keys_dir(buf, 8));
	unsetenv("SG_VAR_DIR");
	assert_string_equal(ob3_keys_dir(buf, sizeof(buf)), "var/keys/ob3");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(newest_signs_all_published,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(refusals, setup, teardown),
		cmocka_unit_test(folder_from_the_environment),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
