/*
 * Lessons' heads by lesson id and version: see lesson_cache.h.
 *
 * The gzip form is one stream made of two deflate streams: the head's,
 * ended by a sync flush (every byte out, on a byte boundary, no final
 * block), then the tail's, compressed on its own as raw deflate ending
 * with the final block. A deflate stream is a run of blocks, so the two
 * make one; the tail refers only to itself. zlib's gzappend example and
 * pigz join streams the same way. The gzip trailer is the crc32 of both
 * texts (crc32_combine) and their length.
 */

#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "lesson_cache.h"

#define LESSON_ID_LEN		36
#define GZIP_TRAILER_LEN	8

static struct lesson_head	lesson_slots[LESSON_CACHE_SLOTS];
static struct lesson_head	lesson_aside;	/* over the budget */
static size_t			lesson_bytes;
static z_stream			tail_zs;
static int			tail_zs_ready;

static struct lesson_head	*lesson_slot(const char *);
static void			 lesson_head_free(struct lesson_head *);
static size_t			 lesson_head_size(const struct lesson_head *);
static int			 head_gzip(struct lesson_head *);
static size_t			 tail_deflate(const char *, size_t, uint8_t *,
				    size_t);

const char *
lesson_cache_version(const char *lesson)
{
	struct lesson_head	*h;

	if (lesson == NULL || strlen(lesson) != LESSON_ID_LEN)
		return ("");
	h = lesson_slot(lesson);
	if (h->text == NULL || strcmp(h->lesson, lesson))
		return ("");
	return (h->version);
}

const struct lesson_head *
lesson_cache_get(const char *lesson, const char *version)
{
	struct lesson_head	*h;

	if (lesson == NULL || version == NULL ||
	    strlen(lesson) != LESSON_ID_LEN)
		return (NULL);
	h = lesson_slot(lesson);
	if (h->text == NULL || strcmp(h->lesson, lesson) ||
	    strcmp(h->version, version))
		return (NULL);
	return (h);
}

const struct lesson_head *
lesson_cache_put(const char *lesson, const char *version, const char *text)
{
	struct lesson_head	*h;
	size_t			len;

	if (lesson == NULL || version == NULL || text == NULL ||
	    strlen(lesson) != LESSON_ID_LEN)
		return (NULL);
	len = strlen(text);
	if (len < 2 || text[0] != '{' || text[len - 1] != '}')
		return (NULL);

	h = lesson_slot(lesson);
	lesson_bytes -= lesson_head_size(h);
	lesson_head_free(h);
	lesson_head_free(&lesson_aside);
	if (lesson_bytes + 2 * len > LESSON_CACHE_BUDGET)
		h = &lesson_aside;
	memcpy(h->lesson, lesson, LESSON_ID_LEN + 1);
	h->len = len - 1;
	h->version = strdup(version);
	h->text = strndup(text, h->len);
	if (h->version == NULL || h->text == NULL || !head_gzip(h)) {
		lesson_head_free(h);
		return (NULL);
	}
	if (h != &lesson_aside)
		lesson_bytes += lesson_head_size(h);
	return (h);
}

size_t
lesson_cache_bytes(void)
{
	return (lesson_bytes);
}

int
lesson_cache_text(const struct lesson_head *h, const char *tail,
    size_t taillen, char **out, size_t *outlen)
{
	char		*buf;

	if ((buf = malloc(h->len + taillen)) == NULL)
		return (0);
	memcpy(buf, h->text, h->len);
	memcpy(buf + h->len, tail, taillen);
	*out = buf;
	*outlen = h->len + taillen;
	return (1);
}

int
lesson_cache_gzip(const struct lesson_head *h, const char *tail,
    size_t taillen, uint8_t **out, size_t *outlen)
{
	uint8_t		*buf, *p;
	size_t		cap, n;
	unsigned long	crc, size;

	if (!tail_zs_ready) {
		if (deflateInit2(&tail_zs, 1, Z_DEFLATED, -12, 5,
		    Z_DEFAULT_STRATEGY) != Z_OK)
			return (0);
		tail_zs_ready = 1;
	}
	cap = h->gzlen + deflateBound(&tail_zs, taillen) + GZIP_TRAILER_LEN;
	if ((buf = malloc(cap)) == NULL)
		return (0);
	memcpy(buf, h->gz, h->gzlen);
	n = tail_deflate(tail, taillen, buf + h->gzlen,
	    cap - h->gzlen - GZIP_TRAILER_LEN);
	if (n == 0) {
		free(buf);
		return (0);
	}

	crc = crc32_combine(h->crc, crc32(0L, (const Bytef *)tail, taillen),
	    taillen);
	size = (unsigned long)((h->len + taillen) & 0xffffffffUL);
	p = buf + h->gzlen + n;
	p[0] = crc & 0xff;
	p[1] = (crc >> 8) & 0xff;
	p[2] = (crc >> 16) & 0xff;
	p[3] = (crc >> 24) & 0xff;
	p[4] = size & 0xff;
	p[5] = (size >> 8) & 0xff;
	p[6] = (size >> 16) & 0xff;
	p[7] = (size >> 24) & 0xff;

	*out = buf;
	*outlen = h->gzlen + n + GZIP_TRAILER_LEN;
	return (1);
}

void
lesson_cache_clear(void)
{
	size_t	i;

	for (i = 0; i < LESSON_CACHE_SLOTS; i++)
		lesson_head_free(&lesson_slots[i]);
	lesson_head_free(&lesson_aside);
	lesson_bytes = 0;
}

/* The head's gzip header and deflate stream, sync-flushed, and its crc. */
static int
head_gzip(struct lesson_head *h)
{
	z_stream	zs;
	size_t		cap;
	int		rc;

	memset(&zs, 0, sizeof(zs));
	/* A 4 KiB window, as gzip_compress (http_util.c) uses. */
	if (deflateInit2(&zs, 6, Z_DEFLATED, 12 + 16, 5,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return (0);
	cap = deflateBound(&zs, h->len) + 16;
	if ((h->gz = malloc(cap)) == NULL) {
		(void)deflateEnd(&zs);
		return (0);
	}
	zs.next_in = (Bytef *)h->text;
	zs.avail_in = h->len;
	zs.next_out = h->gz;
	zs.avail_out = cap;
	rc = deflate(&zs, Z_SYNC_FLUSH);
	h->gzlen = zs.total_out;
	(void)deflateEnd(&zs);
	if (rc != Z_OK || zs.avail_in != 0 || zs.avail_out == 0)
		return (0);
	h->crc = crc32(0L, (const Bytef *)h->text, h->len);
	return (1);
}

/* The tail as raw deflate with its final block; its length, or 0. */
static size_t
tail_deflate(const char *tail, size_t taillen, uint8_t *out, size_t cap)
{
	if (deflateReset(&tail_zs) != Z_OK)
		return (0);
	tail_zs.next_in = (Bytef *)(uintptr_t)tail;
	tail_zs.avail_in = taillen;
	tail_zs.next_out = out;
	tail_zs.avail_out = cap;
	if (deflate(&tail_zs, Z_FINISH) != Z_STREAM_END)
		return (0);
	return (tail_zs.total_out);
}

/* What a kept head counts against the budget; 0 for an empty slot. */
static size_t
lesson_head_size(const struct lesson_head *h)
{
	if (h->text == NULL)
		return (0);
	return (h->len + h->gzlen + strlen(h->version));
}

static void
lesson_head_free(struct lesson_head *h)
{
	free(h->version);
	free(h->text);
	free(h->gz);
	memset(h, 0, sizeof(*h));
}

/* FNV-1a of the id: uuids are random, any spread of their text will do. */
static struct lesson_head *
lesson_slot(const char *lesson)
{
	uint32_t	h = 2166136261u;

	for (; *lesson != '\0'; lesson++)
		h = (h ^ (unsigned char)*lesson) * 16777619u;
	return (&lesson_slots[h % LESSON_CACHE_SLOTS]);
}
