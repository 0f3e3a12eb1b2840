/*
 * Checks on values from the outside world.
 */

#include <ctype.h>
#include <string.h>

#include "validate.h"

/* ISO 3166-1 alpha-2, officially assigned codes. */
static const char	countries[] =
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI "
    "BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN "
    "CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK "
    "FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM "
    "HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN "
    "KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK "
    "ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP "
    "NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW "
    "SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF "
    "TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI "
    "VN VU WF WS YE YT ZA ZM ZW";

static const char	*professions[] = {
	"law_enforcement", "education", "health", "social_work", "ngo",
	"legal", "other", NULL,
};

/* Two letters, either case, officially assigned. */
int
valid_country(const char *cc)
{
	char		up[3];
	const char	*p;

	if (cc == NULL || strlen(cc) != 2 || !isalpha((unsigned char)cc[0]) ||
	    !isalpha((unsigned char)cc[1]))
		return (0);
	up[0] = toupper((unsigned char)cc[0]);
	up[1] = toupper((unsigned char)cc[1]);
	up[2] = '\0';
	for (p = countries;; p += 3) {
		if (p[0] == up[0] && p[1] == up[1])
			return (1);
		if (p[2] == '\0')
			return (0);
	}
}

/*
 * A BCP 47 tag in the shape this platform uses: a 2-3 letter language,
 * then optional subtags of 2-8 letters or digits ("en", "es-419",
 * "pt-BR", "zh-Hant-TW").
 */
int
valid_language(const char *tag)
{
	size_t		len, i;
	const char	*p;

	if (tag == NULL || strlen(tag) > 35)
		return (0);
	for (len = 0; isalpha((unsigned char)tag[len]); len++)
		;
	if (len < 2 || len > 3)
		return (0);
	for (p = tag + len; *p != '\0'; p += i) {
		if (*p++ != '-')
			return (0);
		for (i = 0; isalnum((unsigned char)p[i]); i++)
			;
		if (i < 2 || i > 8)
			return (0);
	}
	return (1);
}

int
valid_profession(const char *p)
{
	int	i;

	if (p == NULL)
		return (0);
	for (i = 0; professions[i] != NULL; i++) {
		if (!strcmp(p, professions[i]))
			return (1);
	}
	return (0);
}

/* 8-4-4-4-12 hex digits. */
int
valid_uuid(const char *s)
{
	int	i;

	if (s == NULL || strlen(s) != 36)
		return (0);
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return (0);
		} else if (!isxdigit((unsigned char)s[i])) {
			return (0);
		}
	}
	return (1);
}

/* Lowercase letters, digits and single inner hyphens, 1..max bytes. */
int
valid_slug(const char *s, size_t max)
{
	size_t	i, len;

	if (s == NULL || (len = strlen(s)) == 0 || len > max)
		return (0);
	if (s[0] == '-' || s[len - 1] == '-')
		return (0);
	for (i = 0; i < len; i++) {
		if (!(islower((unsigned char)s[i]) ||
		    isdigit((unsigned char)s[i]) || s[i] == '-'))
			return (0);
		if (s[i] == '-' && s[i + 1] == '-')
			return (0);
	}
	return (1);
}

/* Stable keys of modules, lessons and questions: [a-z0-9-]{1,max}. */
int
valid_key(const char *s, size_t max)
{
	size_t	i, len;

	if (s == NULL || (len = strlen(s)) == 0 || len > max)
		return (0);
	for (i = 0; i < len; i++) {
		if (!(islower((unsigned char)s[i]) ||
		    isdigit((unsigned char)s[i]) || s[i] == '-'))
			return (0);
	}
	return (1);
}

/*
 * Trims the address, lowercases its domain, and checks its shape: one @,
 * a non-empty local part without spaces or controls, a dotted domain.
 * The local part keeps its case (some mail systems honour it); uniqueness
 * ignores case in the database.
 */
int
email_normalise(const char *in, char *out, size_t outlen)
{
	const char	*start, *end, *at;
	size_t		len, i;

	if (in == NULL)
		return (0);
	start = in;
	while (*start == ' ' || *start == '\t' || *start == '\n' || *start == '\r')
		start++;
	end = start + strlen(start);
	while (end > start && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\n' || end[-1] == '\r'))
		end--;

	len = end - start;
	if (len < 3 || len > EMAIL_MAX || len >= outlen)
		return (0);
	if ((at = memchr(start, '@', len)) == NULL || at == start ||
	    memchr(at + 1, '@', end - at - 1) != NULL)
		return (0);
	if (at + 1 == end || memchr(at + 1, '.', end - at - 1) == NULL ||
	    at[1] == '.' || end[-1] == '.')
		return (0);

	for (i = 0; i < len; i++) {
		unsigned char c = start[i];
		if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' ||
		    c == '(' || c == ')' || c == ',' || c == ';' || c == '"')
			return (0);
		out[i] = (start + i > at) ? tolower(c) : c;
	}
	out[len] = '\0';
	return (1);
}

/* Counts code points of text already known to be UTF-8 (jansson's). */
size_t
utf8_length(const char *s, size_t len)
{
	size_t		i, n;

	for (i = 0, n = 0; i < len; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	}
	return (n);
}

/* Names and titles: no control characters (newlines included). */
int
has_control_chars(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return (1);
	}
	return (0);
}

/*
 * Strict UTF-8 (no overlong forms, no surrogates, nothing past U+10FFFF).
 * On failure *line and *col (from 1) locate the first bad byte.
 */
int
utf8_check(const char *s, size_t len, size_t *line, size_t *col)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			i, n, k;
	unsigned int		cp, min;

	*line = 1;
	*col = 1;
	for (i = 0; i < len; i += n) {
		if (p[i] < 0x80) {
			n = 1;
			if (p[i] == '\n') {
				(*line)++;
				*col = 0;
			}
		} else if ((p[i] & 0xe0) == 0xc0) {
			n = 2; cp = p[i] & 0x1f; min = 0x80;
		} else if ((p[i] & 0xf0) == 0xe0) {
			n = 3; cp = p[i] & 0x0f; min = 0x800;
		} else if ((p[i] & 0xf8) == 0xf0) {
			n = 4; cp = p[i] & 0x07; min = 0x10000;
		} else {
			return (0);
		}
		if (n > 1) {
			if (i + n > len)
				return (0);
			for (k = 1; k < n; k++) {
				if ((p[i + k] & 0xc0) != 0x80)
					return (0);
				cp = (cp << 6) | (p[i + k] & 0x3f);
			}
			if (cp < min || cp > 0x10ffff ||
			    (cp >= 0xd800 && cp <= 0xdfff))
				return (0);
		}
		if (p[i] == 0)
			return (0);
		(*col)++;
	}
	return (1);
}
