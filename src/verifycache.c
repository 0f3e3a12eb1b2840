/*
 * The verification cache.
 *
 * GET /api/v1/verify/{code} and the page /verify/{code} answer a known
 * code with the same bytes for everyone until the certificate changes.
 * Each worker keeps the answers it got from api.verify, so a second
 * lookup of a code costs no database round trip.
 *
 * An entry is trusted while all of these hold:
 *   - pubcache's content generation has not moved since the entry's
 *     statement was sent. A revocation through the API bumps it once it
 *     has committed (an admin's write), and so does a worker that hears
 *     the 'certificates' notification the certificates table's trigger
 *     sends on any change a verifier sees (jobs_listen.c): other nodes'
 *     changes and changes straight in SQL show as soon as it arrives;
 *   - it is younger than VERIFYCACHE_TTL_MS, which bounds how long a
 *     change stays unseen when no notification arrives;
 *   - for a valid certificate, its expiry has not come: the caller gives
 *     the time left, and the entry's life is capped there, so a cached
 *     'valid' never outlives expires_at.
 *
 * Only answers of known codes are kept: unknown codes are what enumeration
 * produces, and they keep costing the address's budget in the database.
 * An address the database throttles (a 429, on any worker) is remembered
 * until its wait ends (or the database answers it without one), and its
 * lookups go to the database even on a hit, which answers 429 as before:
 * once the budget is spent, nothing is learnt, known code or not. The
 * blocks are kept by the address's text (certificates.c), so a hit
 * computes no digest.
 *
 * Both tables are bounded: the answers' one is set-associative (a code
 * in any of the few slots of its set, the oldest replaced), the blocks'
 * one direct-mapped.
 * An address's block taken over by another's sends no lookup past the
 * database that a miss would not: the next unknown code it tries meets
 * the database's 429 again.
 */

#include <sys/mman.h>
#include <sys/types.h>

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "pubcache.h"
#include "verifycache.h"

struct verifycache_slot {
	char		code[VERIFYCACHE_CODE_MAX];
	u_int64_t	generation;
	u_int64_t	expires;
	char		*body;
	size_t		len;
};

static struct verifycache_slot	slots[VERIFYCACHE_SLOTS];

/*
 * The throttled addresses, in memory every worker shares (mapped before
 * they fork): a 429 one worker got holds on all. A slot is one word, the
 * key's hash above the end of its wait (in seconds of the monotonic
 * clock, rounded up), so it is read and written whole. A hash that
 * collides only sends another address to the database, which knows.
 */
static _Atomic u_int64_t	*blocks;

static u_int32_t	verifycache_hash(const char *);
static struct verifycache_slot	*verifycache_set(const char *);
static struct verifycache_slot	*verifycache_find(const char *);
static struct verifycache_slot	*verifycache_victim(const char *, u_int64_t);

/*
 * The answers' table is set-associative: a code may sit in any of the
 * VERIFYCACHE_WAYS slots of its set, so that a few codes whose hashes
 * meet do not keep taking each other's place (and the database's time).
 */
#define VERIFYCACHE_WAYS	4

/* Points *body at the answer kept for code; returns 0 on a miss. */
int
verifycache_get(const char *code, u_int64_t now, const char **body,
    size_t *len)
{
	struct verifycache_slot	*s;

	if (blocks == NULL || pubcache_generation() == 0 || *code == '\0')
		return (0);
	if ((s = verifycache_find(code)) == NULL ||
	    s->generation != pubcache_generation() || now >= s->expires)
		return (0);
	*body = s->body;
	*len = s->len;
	return (1);
}

/*
 * Keeps a copy of code's answer, from a statement sent when the generation
 * was gen. life_ms: how long the answer stays true (a valid certificate's
 * time to its expiry), or negative when only a change can end it.
 */
void
verifycache_put(const char *code, u_int64_t gen, u_int64_t now,
    int64_t life_ms, const char *body, size_t len)
{
	struct verifycache_slot	*s;
	u_int64_t		ttl;

	if (gen == 0 || gen != pubcache_generation() || *code == '\0' ||
	    strlen(code) >= VERIFYCACHE_CODE_MAX)
		return;
	ttl = VERIFYCACHE_TTL_MS;
	if (life_ms >= 0 && (u_int64_t)life_ms < ttl)
		ttl = (u_int64_t)life_ms;

	s = verifycache_victim(code, now);
	free(s->body);
	s->code[0] = '\0';
	if ((s->body = malloc(len + 1)) == NULL)
		return;
	memcpy(s->body, body, len);
	s->body[len] = '\0';
	s->len = len;
	(void)strcpy(s->code, code);
	s->generation = gen;
	s->expires = now + ttl;
}

/*
 * Maps the shared table of throttled addresses. Called in the parent
 * before the workers fork. Without it the cache stays off.
 */
int
verifycache_shared_init(void)
{
	void	*p;

	if (blocks != NULL)
		return (1);
	p = mmap(NULL, sizeof(*blocks) * VERIFYCACHE_BLOCKS,
	    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return (0);
	blocks = p;
	return (1);
}

/* The database throttles key until the given time (milliseconds). */
void
verifycache_block(const char *key, u_int64_t until)
{
	u_int32_t	h;

	if (blocks == NULL)
		return;
	h = verifycache_hash(key);
	atomic_store(&blocks[h % VERIFYCACHE_BLOCKS],
	    ((u_int64_t)h << 32) | (u_int32_t)((until + 999) / 1000));
}

/* The database answered key without a wait: it is not throttled. */
void
verifycache_unblock(const char *key)
{
	u_int64_t	v;
	u_int32_t	h;

	if (blocks == NULL)
		return;
	h = verifycache_hash(key);
	v = atomic_load(&blocks[h % VERIFYCACHE_BLOCKS]);
	if ((u_int32_t)(v >> 32) == h)
		(void)atomic_compare_exchange_strong(
		    &blocks[h % VERIFYCACHE_BLOCKS], &v, 0);
}

/*
 * Whether the database may be throttling key now: then its lookups go to
 * the database, hit or not.
 */
int
verifycache_blocked(const char *key, u_int64_t now)
{
	u_int64_t	v;
	u_int32_t	h;

	if (blocks == NULL)
		return (1);
	h = verifycache_hash(key);
	v = atomic_load(&blocks[h % VERIFYCACHE_BLOCKS]);
	return ((u_int32_t)(v >> 32) == h && now / 1000 < (v & 0xffffffffu));
}

/* Drops every entry and block (the unit tests). */
void
verifycache_clear(void)
{
	size_t	i;

	for (i = 0; i < VERIFYCACHE_SLOTS; i++) {
		free(slots[i].body);
		slots[i].body = NULL;
		slots[i].code[0] = '\0';
	}
	if (blocks != NULL) {
		for (i = 0; i < VERIFYCACHE_BLOCKS; i++)
			atomic_store(&blocks[i], 0);
	}
}

/* FNV-1a. A caller choosing codes can at worst turn hits into misses. */
static u_int32_t
verifycache_hash(const char *s)
{
	u_int32_t	h;

	h = 2166136261u;
	for (; *s != '\0'; s++) {
		h ^= (u_int8_t)*s;
		h *= 16777619u;
	}
	return (h);
}

/* The first slot of code's set. */
static struct verifycache_slot *
verifycache_set(const char *code)
{
	u_int32_t	sets;

	sets = VERIFYCACHE_SLOTS / VERIFYCACHE_WAYS;
	return (&slots[(verifycache_hash(code) % sets) * VERIFYCACHE_WAYS]);
}

/* The slot holding code's answer, or NULL. */
static struct verifycache_slot *
verifycache_find(const char *code)
{
	struct verifycache_slot	*set;
	int			i;

	set = verifycache_set(code);
	for (i = 0; i < VERIFYCACHE_WAYS; i++) {
		if (set[i].body != NULL && !strcmp(set[i].code, code))
			return (&set[i]);
	}
	return (NULL);
}

/*
 * Where code's answer goes: its own slot, else a free or stale one of its
 * set, else the one of the set that would have expired first.
 */
static struct verifycache_slot *
verifycache_victim(const char *code, u_int64_t now)
{
	struct verifycache_slot	*set, *s;
	int			i;

	if ((s = verifycache_find(code)) != NULL)
		return (s);
	set = verifycache_set(code);
	s = &set[0];
	for (i = 0; i < VERIFYCACHE_WAYS; i++) {
		if (set[i].body == NULL || now >= set[i].expires ||
		    set[i].generation != pubcache_generation())
			return (&set[i]);
		if (set[i].expires < s->expires)
			s = &set[i];
	}
	return (s);
}
