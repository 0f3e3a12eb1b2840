/*
 * The job runner's pure rules (see jobs_policy.h).
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jobs_policy.h"

uint64_t
jobs_backoff_ms(int attempt, uint64_t base, uint64_t cap, uint32_t rnd)
{
	uint64_t	delay;
	int		shift;

	if (attempt < 1)
		attempt = 1;
	shift = attempt - 1;

	/* base << shift, without overflowing past the cap. */
	if (base == 0)
		delay = 0;
	else if (shift >= 63 || base > (cap >> shift))
		delay = cap;
	else
		delay = base << shift;
	if (delay > cap)
		delay = cap;

	return (delay - rnd % (delay / 4 + 1));
}

int
jobs_parse_number(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long	v;
	char			*end;

	if (s == NULL || *s < '0' || *s > '9')
		return (0);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return (0);
	*out = v;
	return (1);
}

int
jobs_list_has(const char *list, const char *name)
{
	size_t		len, n;
	const char	*p;

	if (list == NULL || name == NULL || *name == '\0')
		return (0);
	if (!strcmp(list, "1"))
		return (1);
	n = strlen(name);
	for (p = list; *p != '\0'; p += len + (p[len] == ',')) {
		len = strcspn(p, ",");
		if (len == n && !strncmp(p, name, n))
			return (1);
	}
	return (0);
}
