/*
 * The public-answer cache: catalog pages and course outlines, kept ready
 * to send (body, gzip body, entity tag) in each worker for a moment.
 * No Kore or libpq here, so the unit tests link it alone.
 */

#ifndef __H_PUBCACHE_H
#define __H_PUBCACHE_H

#include <sys/types.h>

#include <stddef.h>

#define PUBCACHE_SLOTS		256
#define PUBCACHE_KEY_MAX	192
#define PUBCACHE_ETAG_MAX	80

/* How long another node's change may stay unseen here. */
#define PUBCACHE_TTL_MS		2000

struct pubcache_answer {
	const char	*etag;
	const char	*body;
	size_t		len;
	const u_int8_t	*gz;		/* NULL: not worth compressing */
	size_t		gzlen;
};

int		pubcache_shared_init(void);
u_int64_t	pubcache_generation(void);
void		pubcache_invalidate(void);
int		pubcache_get(const char *, u_int64_t, struct pubcache_answer *);
void		pubcache_put(const char *, u_int64_t, u_int64_t,
		    const struct pubcache_answer *);
void		pubcache_clear(void);

#endif
