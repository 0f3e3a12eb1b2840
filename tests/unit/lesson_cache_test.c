/*
 * Unit tests for src/lesson_cache.c: a head is found only under its own
 * lesson and version, a put replaces, bad heads are refused, and the joined
 * gzip stream inflates (zlib checks its crc32 and length) to the head and
 * the tail, for a small head, a large one and an empty tail, and the bytes
 * kept stay within the budget.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "lesson_cache.h"

#define L1	"11111111-1111-4111-8111-111111111111"
#define L2	"22222222-2222-4222-8222-222222222222"
#define TAIL	", \"progress\" : {\"status\" : \"in_progress\"}}"

static int
setup(void **state)
{
	(void)state;
	lesson_cache_clear();
	return (0);
}

/* Inflates a gzip stream; the text, or NULL when zlib refuses it. */
static char *
gunzip(const uint8_t *gz, size_t len, size_t *outlen)
{
	z_stream	zs;
	size_t		cap = 4 << 20;
	char		*out;
	int		rc;

	memset(&zs, 0, sizeof(zs));
	assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
	out = malloc(cap);
	zs.next_in = (Bytef *)(uintptr_t)gz;
	zs.avail_in = len;
	zs.next_out = (Bytef *)out;
	zs.avail_out = cap;
	rc = inflate(&zs, Z_FINISH);
	*outlen = zs.total_out;
	inflateEnd(&zs);
	if (rc != Z_STREAM_END || zs.avail_in != 0) {
		free(out);
		return (NULL);
	}
	return (out);
}

static void
assert_answer(const struct lesson_head *h, const char *head,
    const char *tail)
{
	uint8_t		*gz;
	char		*text, *plain;
	size_t		len, plainlen, headlen = strlen(head) - 1;

	assert_true(lesson_cache_text(h, tail, strlen(tail), &text, &len));
	assert_int_equal(len, headlen + strlen(tail));
	assert_memory_equal(text, head, headlen);
	assert_memory_equal(text + headlen, tail, strlen(tail));

	assert_true(lesson_cache_gzip(h, tail, strlen(tail), &gz, &len));
	plain = gunzip(gz, len, &plainlen);
	assert_non_null(plain);
	assert_int_equal(plainlen, headlen + strlen(tail));
	assert_memory_equal(plain, text, plainlen);
	free(plain);

	/* A changed byte in the trailer's crc is caught. */
	gz[len - 5] ^= 0x40;
	assert_null(gunzip(gz, len, &plainlen));
	free(gz);
	free(text);
}

static void
test_found_under_its_lesson_and_version(void **state)
{
	assert_string_equal(lesson_cache_version(L1), "");
	assert_non_null(lesson_cache_put(L1, "v1", "{\"id\" : 1}"));
	assert_string_equal(lesson_cache_version(L1), "v1");
	assert_non_null(lesson_cache_get(L1, "v1"));
	assert_null(lesson_cache_get(L1, "v2"));
	assert_null(lesson_cache_get(L2, "v1"));
	assert_string_equal(lesson_cache_version(L2), "");
}

static void
test_put_replaces(void **state)
{
	const struct lesson_head	*h;

	lesson_cache_put(L1, "v1", "{\"id\" : 1}");
	h = lesson_cache_put(L1, "v2", "{\"id\" : 2}");
	assert_non_null(h);
	assert_null(lesson_cache_get(L1, "v1"));
	assert_ptr_equal(lesson_cache_get(L1, "v2"), h);
	assert_answer(h, "{\"id\" : 2}", TAIL);
}

static void
test_bad_heads_refused(void **state)
{
	assert_null(lesson_cache_put(L1, "v1", "[1]"));
	assert_null(lesson_cache_put(L1, "v1", "{"));
	assert_null(lesson_cache_put(L1, "v1", ""));
	assert_null(lesson_cache_put("short", "v1", "{}"));
	assert_null(lesson_cache_put(L1, NULL, "{}"));
	assert_null(lesson_cache_get(NULL, "v1"));
	assert_string_equal(lesson_cache_version(NULL), "");
}

static void
test_gzip_small_and_large_heads(void **state)
{
	const struct lesson_head	*h;
	char				*big;
	size_t				i, n = 200000;

	h = lesson_cache_put(L1, "v1", "{\"id\" : 1}");
	assert_answer(h, "{\"id\" : 1}", TAIL);
	assert_answer(h, "{\"id\" : 1}", "}");

	/* Larger than the window and than zlib's buffers, and varied. */
	big = malloc(n + 32);
	strcpy(big, "{\"html\" : \"");
	for (i = strlen(big); i < n; i++)
		big[i] = 'a' + (char)((i * 7919) % 23);
	strcpy(big + n, "\"}");
	h = lesson_cache_put(L2, "v9", big);
	assert_non_null(h);
	assert_answer(h, big, TAIL);
	/* Again: the tail's stream is reset between answers. */
	assert_answer(h, big, ", \"progress\" : null}");
	free(big);
}

static void
test_budget_bounds_what_is_kept(void **state)
{
	const struct lesson_head	*h;
	char				id[40], *big;
	size_t				i, n = 1024 * 1024;
	int				aside = 0;

	big = malloc(n + 32);
	strcpy(big, "{\"html\" : \"");
	for (i = strlen(big); i < n; i++)
		big[i] = 'a' + (char)((i * 7919) % 23);
	strcpy(big + n, "\"}");
	for (i = 0; i < 2 * LESSON_CACHE_BUDGET / n; i++) {
		snprintf(id, sizeof(id), "00000000-0000-4000-8000-%012zu", i);
		h = lesson_cache_put(id, "v1", big);
		assert_non_null(h);
		assert_true(lesson_cache_bytes() <= LESSON_CACHE_BUDGET);
		if (lesson_cache_get(id, "v1") == NULL) {
			/* Kept aside: still a whole answer, not found later. */
			aside++;
			assert_answer(h, big, TAIL);
			assert_string_equal(lesson_cache_version(id), "");
		}
	}
	assert_true(aside > 0);
	assert_true(lesson_cache_bytes() > LESSON_CACHE_BUDGET / 2);
	lesson_cache_clear();
	assert_int_equal(lesson_cache_bytes(), 0);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_found_under_its_lesson_and_version,
		    setup),
		cmocka_unit_test_setup(test_put_replaces, setup),
		cmocka_unit_test_setup(test_bad_heads_refused, setup),
		cmocka_unit_test_setup(test_gzip_small_and_large_heads, setup),
		cmocka_unit_test_setup(test_budget_bounds_what_is_kept, setup),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
