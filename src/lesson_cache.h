/*
 * A worker's copy of lessons' heads: the answer of GET /api/v1/lessons/:id
 * without the reader's progress, the same for every reader, kept under the
 * lesson's id and version (api.lesson_read names the version; it changes
 * whenever the head may), with its gzip form made once. A read then costs
 * one small statement (the session, the enrollment, the progress and the
 * version) and no compression of the lesson's body: the progress is
 * compressed alone and joined to the head's stream (lesson_cache_gzip).
 * One slot a hash of the lesson id; a put replaces what was there. Pure:
 * unit-tested in tests/unit/lesson_cache_test.c.
 */

#ifndef __H_LESSON_CACHE_H
#define __H_LESSON_CACHE_H

#include <stddef.h>
#include <stdint.h>

#define LESSON_CACHE_SLOTS	1024
/*
 * The bytes of heads a worker keeps at most (text and gzip). A head that
 * would go over it is kept aside until the next put only: its lesson is
 * then answered from a fresh head on every read, as if not kept.
 */
#define LESSON_CACHE_BUDGET	(64 * 1024 * 1024)

struct lesson_head {
	char		lesson[37];
	char		*version;
	char		*text;		/* the head without its closing brace */
	size_t		len;
	uint8_t		*gz;		/* gzip header and deflate, flushed */
	size_t		gzlen;
	unsigned long	crc;		/* crc32 of text */
};

/* The version held for a lesson, or "" (borrowed until the next put). */
const char	*lesson_cache_version(const char *);

/* The head of (lesson, version), or NULL. */
const struct lesson_head *lesson_cache_get(const char *, const char *);

/*
 * Keeps a head, a JSON object's text, for (lesson, version). Returns the
 * head, valid until the next put, or NULL when the text is no object or
 * memory ran out.
 */
const struct lesson_head *lesson_cache_put(const char *, const char *,
		    const char *);

/*
 * The whole answer: the head, then the tail (its last members and the
 * closing brace, ", \"progress\" : ... }"), as text (lesson_cache_text)
 * or as one gzip stream (lesson_cache_gzip). The caller frees *out with
 * free(3). Return 1, or 0 when memory or zlib failed.
 */
int		 lesson_cache_text(const struct lesson_head *, const char *,
		    size_t, char **, size_t *);
int		 lesson_cache_gzip(const struct lesson_head *, const char *,
		    size_t, uint8_t **, size_t *);

/* The bytes kept (tests). */
size_t		 lesson_cache_bytes(void);

/* Forgets everything (tests). */
void		 lesson_cache_clear(void);

#endif
