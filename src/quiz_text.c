/*
 * Typed answers. Texts are compared folded: decomposed (NFD), case-folded
 * unless case matters (Unicode full case folding, so "STRASSE" matches
 * "straße"), combining marks dropped when accents do not matter, spaces
 * trimmed and each run made one space (or all removed), then composed
 * again (NFC). libunistring does the Unicode; no tables here.
 */

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include "quiz_text.h"

/* Stands for an escaped "\*" while a pattern is folded: private use. */
#define LITERAL_STAR		"\xee\x80\x80"
#define LITERAL_STAR_LEN	3

static uint8_t	*fold_marks_spaces(const uint8_t *, size_t, int, size_t *);
static int	match_segments(char **, size_t, const char *);

/* The folded form of a NUL-terminated UTF-8 text; NULL if not UTF-8. */
char *
quiz_text_fold(const char *s, int flags)
{
	uint8_t		*d, *m, *c;
	size_t		n, dlen, mlen, clen;
	char		*out;

	n = strlen(s);
	if (n > QUIZ_RESPONSE_MAX * 4 || u8_check((const uint8_t *)s, n) != NULL)
		return (NULL);
	dlen = 0;
	if (flags & QUIZ_TEXT_CASE)
		d = u8_normalize(UNINORM_NFD, (const uint8_t *)s, n, NULL,
		    &dlen);
	else
		d = u8_casefold((const uint8_t *)s, n, NULL, UNINORM_NFD, NULL,
		    &dlen);
	if (d == NULL && n > 0)
		return (NULL);
	m = fold_marks_spaces(d, dlen, flags, &mlen);
	free(d);
	if (m == NULL)
		return (NULL);
	clen = 0;
	c = mlen > 0 ? u8_normalize(UNINORM_NFC, m, mlen, NULL, &clen) : NULL;
	free(m);
	if (c == NULL && mlen > 0)
		return (NULL);
	if ((out = malloc(clen + 1)) == NULL) {
		free(c);
		return (NULL);
	}
	if (clen > 0)
		memcpy(out, c, clen);
	out[clen] = '\0';
	free(c);
	return (out);
}

/* Drops marks (when asked) and trims, collapses or drops white space. */
static uint8_t *
fold_marks_spaces(const uint8_t *s, size_t n, int flags, size_t *outlen)
{
	uint8_t		*out;
	size_t		i, o;
	ucs4_t		uc;
	int		len, space;

	if ((out = malloc(n + 1)) == NULL)
		return (NULL);
	o = 0;
	space = 0;
	for (i = 0; i < n; i += len) {
		if ((len = u8_mbtouc(&uc, s + i, n - i)) <= 0)
			len = 1;
		if ((flags & QUIZ_TEXT_NO_ACCENTS) &&
		    uc_is_general_category(uc, UC_CATEGORY_Mn))
			continue;
		if (uc_is_property_white_space(uc)) {
			space = 1;
			continue;
		}
		if (space && o > 0 && !(flags & QUIZ_TEXT_NO_SPACES))
			out[o++] = ' ';
		space = 0;
		memcpy(out + o, s + i, len);
		o += len;
	}
	*outlen = o;
	return (out);
}

/*
 * Whether response matches pattern (an accepted answer), both folded
 * with flags. In the pattern "*" stands for any text, empty included;
 * "\*" for a star.
 */
int
quiz_text_match(const char *pattern, const char *response, int flags)
{
	char		*p, *r, *q, *seg[QUIZ_RESPONSE_MAX];
	const char	*s;
	size_t		nseg, i;
	int		ok;

	/* "\*" becomes LITERAL_STAR: at most as long, so room enough. */
	if ((p = malloc(strlen(pattern) * 2 + 1)) == NULL)
		return (0);
	for (s = pattern, q = p; *s != '\0'; s++) {
		if (s[0] == '\\' && s[1] == '*') {
			memcpy(q, LITERAL_STAR, LITERAL_STAR_LEN);
			q += LITERAL_STAR_LEN;
			s++;
		} else
			*q++ = *s;
	}
	*q = '\0';
	q = quiz_text_fold(p, flags);
	free(p);
	if (q == NULL || (r = quiz_text_fold(response, flags)) == NULL) {
		free(q);
		return (0);
	}
	nseg = 0;
	seg[nseg++] = q;
	for (p = q; *p != '\0' && nseg < QUIZ_RESPONSE_MAX; p++) {
		if (*p == '*') {
			*p = '\0';
			seg[nseg++] = p + 1;
		}
	}
	for (i = 0; i < nseg; i++) {
		while ((p = strstr(seg[i], LITERAL_STAR)) != NULL) {
			*p = '*';
			memmove(p + 1, p + LITERAL_STAR_LEN,
			    strlen(p + LITERAL_STAR_LEN) + 1);
		}
	}
	ok = match_segments(seg, nseg, r);
	free(q);
	free(r);
	return (ok);
}

/* seg[0]*seg[1]*...*seg[n-1] against r: leftmost matches suffice. */
static int
match_segments(char **seg, size_t n, const char *r)
{
	size_t		rlen, first, last, i;
	const char	*at, *end, *hit;

	rlen = strlen(r);
	if (n == 1)
		return (!strcmp(seg[0], r));
	first = strlen(seg[0]);
	last = strlen(seg[n - 1]);
	if (first + last > rlen || strncmp(r, seg[0], first) ||
	    strcmp(r + rlen - last, seg[n - 1]))
		return (0);
	at = r + first;
	end = r + rlen - last;
	for (i = 1; i + 1 < n; i++) {
		if ((hit = strstr(at, seg[i])) == NULL ||
		    hit + strlen(seg[i]) > end)
			return (0);
		at = hit + strlen(seg[i]);
	}
	return (1);
}

/*
 * A number as a learner types it: optional sign, digits with one decimal
 * point or one decimal comma ("2,5" as in Spanish), an optional exponent,
 * spaces around. No thousands separators, no "inf", "nan" or hex: those
 * are not numbers here (0). Read by strtod in the C locale the server
 * runs in (Kore sets none).
 */
int
quiz_number_parse(const char *s, double *out)
{
	char		buf[64], *end;
	size_t		n, i, digits;
	int		point;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n == 0 || n >= sizeof(buf))
		return (0);
	memcpy(buf, s, n);
	buf[n] = '\0';
	i = (buf[0] == '+' || buf[0] == '-') ? 1 : 0;
	digits = 0;
	point = 0;
	for (; i < n; i++) {
		if (isdigit((unsigned char)buf[i]))
			digits++;
		else if ((buf[i] == '.' || buf[i] == ',') && !point) {
			point = 1;
			buf[i] = '.';
		} else
			break;
	}
	if (digits == 0)
		return (0);
	if (i < n && (buf[i] == 'e' || buf[i] == 'E')) {
		i++;
		if (i < n && (buf[i] == '+' || buf[i] == '-'))
			i++;
		for (digits = 0; i < n && isdigit((unsigned char)buf[i]); i++)
			digits++;
		if (digits == 0)
			return (0);
	}
	if (i != n)
		return (0);
	*out = strtod(buf, &end);
	return (*end == '\0' && isfinite(*out));
}
