/*
 * Request headers read into decisions: Accept-Encoding, Range and
 * Accept-Language. No Kore: http_util.c, courses.c, pages.c and the unit
 * tests call these alike, with the header's value (NULL when absent).
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_parse.h"

static int	qvalue_is_zero(const char *, const char *);
static int	range_digits(const char *, const char *);

/*
 * True when Accept-Encoding takes gzip: "gzip", "x-gzip" or "*", each
 * unless its q is 0 ("gzip;q=0" refuses it).
 */
int
http_parse_accepts_gzip(const char *ae)
{
	const char	*p, *end, *semi;
	size_t		n;

	if (ae == NULL)
		return (0);

	for (p = ae; *p != '\0'; p = *end == ',' ? end + 1 : end) {
		p += strspn(p, " \t");
		end = p + strcspn(p, ",");
		semi = memchr(p, ';', end - p);
		n = (semi != NULL ? semi : end) - p;
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (!((n == 4 && !strncasecmp(p, "gzip", 4)) ||
		    (n == 6 && !strncasecmp(p, "x-gzip", 6)) ||
		    (n == 1 && *p == '*')))
			continue;
		return (semi == NULL || !qvalue_is_zero(semi + 1, end));
	}
	return (0);
}

/* True when the parameters between p and end say q=0 (or 0.0, 0.000). */
static int
qvalue_is_zero(const char *p, const char *end)
{
	p += strspn(p, " \t");
	if (end - p < 3 || (p[0] != 'q' && p[0] != 'Q') || p[1] != '=')
		return (0);
	for (p += 2; p < end && *p == ' '; p++)
		;
	if (p >= end || *p != '0')
		return (0);
	for (p++; p < end && (*p == '.' || *p == '0'); p++)
		;
	return (p >= end || *p == ' ' || *p == ';');
}

/*
 * One range of "Range: bytes=a-b", "a-" or "-n" over len bytes. Returns 0
 * for the whole file (no Range, several ranges, or one the server cannot
 * read, which RFC 9110 says to ignore), 1 for a satisfiable range (*start
 * and *end inclusive), -1 for one past the end.
 */
int
http_parse_range(const char *hdr, size_t len, size_t *start, size_t *end)
{
	const char		*dash;
	unsigned long long	a, b;

	if (hdr == NULL || strncmp(hdr, "bytes=", 6) ||
	    strchr(hdr, ',') != NULL)
		return (0);
	hdr += 6;
	if ((dash = strchr(hdr, '-')) == NULL)
		return (0);

	if (dash == hdr) {
		if (!range_digits(dash + 1, NULL))
			return (0);
		b = strtoull(dash + 1, NULL, 10);
		if (b == 0 || len == 0)
			return (-1);
		*start = b >= len ? 0 : len - b;
		*end = len - 1;
		return (1);
	}
	if (!range_digits(hdr, dash) ||
	    (dash[1] != '\0' && !range_digits(dash + 1, NULL)))
		return (0);
	a = strtoull(hdr, NULL, 10);
	if (a >= len)
		return (-1);
	if (dash[1] == '\0') {
		b = len - 1;
	} else {
		b = strtoull(dash + 1, NULL, 10);
		if (b < a)
			return (0);
		if (b >= len)
			b = len - 1;
	}
	*start = a;
	*end = b;
	return (1);
}

/* True when p up to end (or its NUL) is 1 to 18 decimal digits. */
static int
range_digits(const char *p, const char *end)
{
	size_t	n;

	n = end != NULL ? (size_t)(end - p) : strlen(p);
	return (n > 0 && n <= 18 && strspn(p, "0123456789") >= n);
}

/*
 * The index in langs of the language whose primary subtag starts the tag
 * of len bytes ("es-MX", "pt_BR"), without regard to case; -1 for none.
 */
int
http_parse_lang_index(const char *tag, size_t len, const char *const *langs,
    size_t nlangs)
{
	size_t		i, n;

	n = 0;
	while (n < len && tag[n] != '-' && tag[n] != '_')
		n++;
	for (i = 0; i < nlangs; i++) {
		if (strlen(langs[i]) == n && !strncasecmp(tag, langs[i], n))
			return ((int)i);
	}
	return (-1);
}

/*
 * The best of langs in an Accept-Language header ("es-MX,es;q=0.9,
 * en;q=0.8"): the highest weight wins, the earlier of equals; q=0 refuses.
 * The first language when none is acceptable or the header is absent.
 */
int
http_parse_accept_language(const char *hdr, const char *const *langs,
    size_t nlangs)
{
	const char	*p, *end, *q;
	size_t		n;
	double		w, best_w;
	int		i, best;

	best = 0;
	best_w = 0.0;
	if (hdr == NULL)
		return (best);
	for (p = hdr; *p != '\0'; p = *end == ',' ? end + 1 : end) {
		end = p + strcspn(p, ",");
		p += strspn(p, " \t");
		n = strcspn(p, ";, \t");
		if (p + n > end)
			n = end - p;

		w = 1.0;
		for (q = p + n; q < end; q++) {
			if (*q == ';') {
				q += strspn(q + 1, " \t") + 1;
				if (q + 2 <= end && q[0] == 'q' && q[1] == '=') {
					w = strtod(q + 2, NULL);
					break;
				}
			}
		}
		if (w > 1.0 || w != w)
			w = 0.0;
		i = http_parse_lang_index(p, n, langs, nlangs);
		if (i != -1 && w > best_w) {
			best = i;
			best_w = w;
		}
	}
	return (best);
}
