/*
 * The job runner's pure rules: retry delays and its settings. No Kore, no
 * libpq: unit-tested in tests/unit/jobs_policy_test.c.
 */

#ifndef __H_JOBS_POLICY_H
#define __H_JOBS_POLICY_H

#include <stdint.h>

/*
 * The delay before the retry that follows failed attempt number attempt
 * (from 1): base doubled at each attempt, at most cap, minus up to a
 * quarter chosen by rnd so that jobs failing together do not all come
 * back at the same moment.
 */
uint64_t	jobs_backoff_ms(int, uint64_t, uint64_t, uint32_t);

/*
 * Reads a whole decimal number of milliseconds (or a count) between min
 * and max; returns 0 when the text is anything else.
 */
int		jobs_parse_number(const char *, uint64_t, uint64_t,
		    uint64_t *);

/* Whether a comma-separated list names name ("1" names every name). */
int		jobs_list_has(const char *, const char *);

#endif
