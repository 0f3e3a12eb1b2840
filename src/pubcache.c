/*
 * The public-answer cache.
 *
 * Catalog pages and course outlines are the same for every reader, change
 * rarely, and are read on every visit. Each worker keeps the last answers
 * it built, ready to send, so a hit costs no database round trip and no
 * compression.
 *
 * An entry is trusted while two things hold:
 *   - the content generation has not moved since the entry's statement was
 *     sent. The generation is a counter in memory shared by the parent and
 *     every worker (mapped before the workers fork), bumped once a change
 *     to published content has committed on this node, so a change is seen
 *     by the next request on any worker;
 *   - it is younger than PUBCACHE_TTL_MS, which bounds how long a change
 *     made through another node (or straight in SQL) stays unseen.
 * An entry records the generation read *before* its statement ran: a
 * change that commits while the statement is in flight leaves the entry
 * already stale rather than stale for a whole TTL.
 *
 * The table is direct-mapped: a key's hash picks its slot, and a newer key
 * takes a slot over. Bounded memory, no eviction bookkeeping.
 */

#include <sys/mman.h>
#include <sys/types.h>

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "pubcache.h"

struct pubcache_slot {
	char		key[PUBCACHE_KEY_MAX];
	u_int64_t	generation;
	u_int64_t	expires;
	char		etag[PUBCACHE_ETAG_MAX];
	char		*body;
	size_t		len;
	u_int8_t	*gz;
	size_t		gzlen;
};

static struct pubcache_slot	slots[PUBCACHE_SLOTS];
static _Atomic u_int64_t	*generation;

static size_t	pubcache_slot_of(const char *);
static void	pubcache_slot_free(struct pubcache_slot *);

/*
 * Maps the shared generation counter. Called in the parent before the
 * workers fork (a worker Kore restarts later inherits the mapping too).
 * Without it the cache stays off: a hit could not be trusted.
 */
int
pubcache_shared_init(void)
{
	void	*p;

	if (generation != NULL)
		return (1);
	p = mmap(NULL, sizeof(*generation), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return (0);
	generation = p;
	atomic_store(generation, 1);
	return (1);
}

/* The generation to record before sending a cacheable statement. */
u_int64_t
pubcache_generation(void)
{
	if (generation == NULL)
		return (0);
	return (atomic_load(generation));
}

/* A change to published content has committed: every entry is stale. */
void
pubcache_invalidate(void)
{
	if (generation != NULL)
		atomic_fetch_add(generation, 1);
}

/* Fills *a from a fresh entry for key; returns 0 on a miss. */
int
pubcache_get(const char *key, u_int64_t now, struct pubcache_answer *a)
{
	struct pubcache_slot	*s;

	if (generation == NULL)
		return (0);
	s = &slots[pubcache_slot_of(key)];
	if (s->body == NULL || strcmp(s->key, key) ||
	    s->generation != atomic_load(generation) || now >= s->expires)
		return (0);

	a->etag = s->etag;
	a->body = s->body;
	a->len = s->len;
	a->gz = s->gz;
	a->gzlen = s->gzlen;
	return (1);
}

/*
 * Keeps a copy of an answer built from a statement sent when the
 * generation was gen. Keys or tags too long to keep are simply not kept.
 */
void
pubcache_put(const char *key, u_int64_t gen, u_int64_t now,
    const struct pubcache_answer *a)
{
	struct pubcache_slot	*s;

	if (generation == NULL || gen != atomic_load(generation))
		return;
	if (strlen(key) >= PUBCACHE_KEY_MAX ||
	    strlen(a->etag) >= PUBCACHE_ETAG_MAX)
		return;

	s = &slots[pubcache_slot_of(key)];
	pubcache_slot_free(s);

	if ((s->body = malloc(a->len + 1)) == NULL)
		return;
	memcpy(s->body, a->body, a->len);
	s->body[a->len] = '\0';
	s->len = a->len;
	if (a->gz != NULL && (s->gz = malloc(a->gzlen)) != NULL) {
		memcpy(s->gz, a->gz, a->gzlen);
		s->gzlen = a->gzlen;
	}
	(void)strcpy(s->key, key);
	(void)strcpy(s->etag, a->etag);
	s->generation = gen;
	s->expires = now + PUBCACHE_TTL_MS;
}

/* Drops every entry (the unit tests; a worker that wants its memory). */
void
pubcache_clear(void)
{
	size_t	i;

	for (i = 0; i < PUBCACHE_SLOTS; i++)
		pubcache_slot_free(&slots[i]);
}

/* FNV-1a. A caller choosing keys can at worst turn hits into misses. */
static size_t
pubcache_slot_of(const char *key)
{
	u_int32_t	h;

	h = 2166136261u;
	for (; *key != '\0'; key++) {
		h ^= (u_int8_t)*key;
		h *= 16777619u;
	}
	return (h % PUBCACHE_SLOTS);
}

static void
pubcache_slot_free(struct pubcache_slot *s)
{
	free(s->body);
	free(s->gz);
	s->body = NULL;
	s->gz = NULL;
	s->len = s->gzlen = 0;
	s->key[0] = '\0';
}
