/*
 * The verification cache: answers of known certificate codes kept ready to
 * send in each worker, and the addresses the database is throttling
 * (docs/certificates.md, "Performance"). No Kore or libpq here, so the
 * unit tests link it alone (with pubcache.c, whose generation it shares).
 */

#ifndef __H_VERIFYCACHE_H
#define __H_VERIFYCACHE_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#define VERIFYCACHE_SLOTS	4096
#define VERIFYCACHE_CODE_MAX	24
#define VERIFYCACHE_BLOCKS	4096

/* How long a change no notification announced may stay unseen. */
#define VERIFYCACHE_TTL_MS	30000

int	verifycache_shared_init(void);
int	verifycache_get(const char *, u_int64_t, const char **, size_t *);
void	verifycache_put(const char *, u_int64_t, u_int64_t, int64_t,
	    const char *, size_t);
void	verifycache_block(const char *, u_int64_t);
void	verifycache_unblock(const char *);
int	verifycache_blocked(const char *, u_int64_t);
void	verifycache_clear(void);

#endif
