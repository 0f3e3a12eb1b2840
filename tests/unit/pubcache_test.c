/*
 * Unit tests for src/pubcache.c: hits, expiry, invalidation across a fork,
 * and answers built while a change committed.
 */

#include <sys/types.h>
#include <sys/wait.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pubcache.h"

static struct pubcache_answer
answer(const char *etag, const char *body, const char *gz)
{
	struct pubcache_answer	a;

	a.etag = etag;
	a.body = body;
	a.len = strlen(body);
	a.gz = (const u_int8_t *)gz;
	a.gzlen = gz != NULL ? strlen(gz) : 0;
	return (a);
}

static int
setup(void **state)
{
	(void)state;
	pubcache_clear();
	return (pubcache_shared_init() ? 0 : -1);
}

static void
a_kept_answer_is_found_until_it_expires(void **state)
{
	struct pubcache_answer	a, got;
	u_int64_t		gen;

	(void)state;
	gen = pubcache_generation();
	a = answer("\"t1\"", "{\"slug\":\"x\"}", "GZ");
	assert_false(pubcache_get("outline|x", 1000, &got));
	pubcache_put("outline|x", gen, 1000, &a);

	assert_true(pubcache_get("outline|x", 1000, &got));
	assert_string_equal(got.etag, "\"t1\"");
	assert_int_equal(got.len, a.len);
	assert_memory_equal(got.body, a.body, a.len);
	assert_int_equal(got.gzlen, 2);
	assert_memory_equal(got.gz, "GZ", 2);
	/* A copy: the caller's buffers may go. */
	assert_ptr_not_equal(got.body, a.body);

	assert_true(pubcache_get("outline|x", 1000 + PUBCACHE_TTL_MS - 1, &got));
	assert_false(pubcache_get("outline|x", 1000 + PUBCACHE_TTL_MS, &got));
	assert_false(pubcache_get("outline|y", 1000, &got));
}

static void
an_answer_without_gzip_has_none(void **state)
{
	struct pubcache_answer	a, got;

	(void)state;
	a = answer("\"t\"", "{}", NULL);
	pubcache_put("catalog|||1", pubcache_generation(), 5, &a);
	assert_true(pubcache_get("catalog|||1", 5, &got));
	assert_null(got.gz);
	assert_int_equal(got.gzlen, 0);
}

static void
invalidation_makes_every_entry_stale(void **state)
{
	struct pubcache_answer	a, got;

	(void)state;
	a = answer("\"t\"", "one", NULL);
	pubcache_put("outline|a", pubcache_generation(), 0, &a);
	pubcache_put("catalog|en||1", pubcache_generation(), 0, &a);
	pubcache_invalidate();
	assert_false(pubcache_get("outline|a", 0, &got));
	assert_false(pubcache_get("catalog|en||1", 0, &got));
}

/* A statement sent before a change committed brings back what was. */
static void
an_answer_from_before_a_change_is_not_kept(void **state)
{
	struct pubcache_answer	a, got;
	u_int64_t		before;

	(void)state;
	before = pubcache_generation();
	pubcache_invalidate();
	a = answer("\"old\"", "old", NULL);
	pubcache_put("outline|b", before, 0, &a);
	assert_false(pubcache_get("outline|b", 0, &got));
}

/* Workers are forked processes: a change on one is seen by the others. */
static void
a_change_in_another_process_is_seen(void **state)
{
	struct pubcache_answer	a, got;
	pid_t			pid;
	int			status;

	(void)state;
	a = answer("\"t\"", "shared", NULL);
	pubcache_put("outline|c", pubcache_generation(), 0, &a);
	assert_true(pubcache_get("outline|c", 0, &got));

	if ((pid = fork()) == 0) {
		pubcache_invalidate();
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_false(pubcache_get("outline|c", 0, &got));
}

static void
a_newer_key_takes_the_slot_over(void **state)
{
	struct pubcache_answer	a, got;
	char			key[32];
	int			i, found;

	(void)state;
	a = answer("\"t\"", "x", NULL);
	/* More keys than slots: every get is a hit or a clean miss. */
	for (i = 0; i < PUBCACHE_SLOTS * 3; i++) {
		(void)snprintf(key, sizeof(key), "outline|k%d", i);
		pubcache_put(key, pubcache_generation(), 0, &a);
	}
	found = 0;
	for (i = 0; i < PUBCACHE_SLOTS * 3; i++) {
		(void)snprintf(key, sizeof(key), "outline|k%d", i);
		if (pubcache_get(key, 0, &got)) {
			assert_string_equal(got.body, "x");
			found++;
		}
	}
	assert_true(found > 0 && found <= PUBCACHE_SLOTS);
}

static void
keys_and_tags_too_long_are_not_kept(void **state)
{
	struct pubcache_answer	a, got;
	char			key[PUBCACHE_KEY_MAX + 8], tag[PUBCACHE_ETAG_MAX + 8];

	(void)state;
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	a = answer("\"t\"", "x", NULL);
	pubcache_put(key, pubcache_generation(), 0, &a);
	assert_false(pubcache_get(key, 0, &got));

	memset(tag, 't', sizeof(tag) - 1);
	tag[sizeof(tag) - 1] = '\0';
	a = answer(tag, "x", NULL);
	pubcache_put("outline|d", pubcache_generation(), 0, &a);
	assert_false(pubcache_get("outline|d", 0, &got));
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_setup(a_kept_answer_is_found_until_it_expires,
		    setup),
		cmocka_unit_test_setup(an_answer_without_gzip_has_none, setup),
		cmocka_unit_test_setup(invalidation_makes_every_entry_stale,
		    setup),
		cmocka_unit_test_setup(an_answer_from_before_a_change_is_not_kept,
		    setup),
		cmocka_unit_test_setup(a_change_in_another_process_is_seen,
		    setup),
		cmocka_unit_test_setup(a_newer_key_takes_the_slot_over, setup),
		cmocka_unit_test_setup(keys_and_tags_too_long_are_not_kept,
		    setup),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
