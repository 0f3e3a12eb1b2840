/*
 * Locating a value of a JSON text by its path.
 *
 * This is not a JSON parser: the text has been decoded by jansson already
 * (with JSON_REJECT_DUPLICATES, so a name appears once in its object), and
 * the walk only steps over the punctuation between values: whitespace,
 * '{', '[', ':' and ','. Every member name and every value stepped over is
 * decoded by jansson itself (JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK),
 * whose error.position then says how many bytes it took. So strings with
 * escaped quotes or brackets inside them need no care here.
 *
 * The cost is the bytes before the value found; callers bound the text's
 * size and how many values they locate.
 */

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonpath.h"
#include "validate.h"

static size_t	skip_ws(const char *, size_t, size_t);
static size_t	value_len(const char *, size_t, size_t, json_t **);
static int	step_index(const char *, size_t, size_t *, unsigned long);
static int	step_member(const char *, size_t, size_t *, const char *);

int
jsonpath_locate(const char *text, size_t len, const char *path,
    size_t *line, size_t *col)
{
	char		name[JSONPATH_MAX];
	const char	*s;
	char		*end;
	size_t		at, n;
	unsigned long	idx;
	int		found;

	at = skip_ws(text, len, 0);
	found = 1;
	for (s = path; *s != '\0' && found; ) {
		if (*s == '[') {
			idx = strtoul(s + 1, &end, 10);
			if (end == s + 1 || *end != ']')
				break;
			s = end + 1;
			found = step_index(text, len, &at, idx);
			continue;
		}
		if (*s == '.')
			s++;
		n = strcspn(s, ".[");
		if (n == 0 || n >= sizeof(name))
			break;
		memcpy(name, s, n);
		name[n] = '\0';
		s += n;
		found = step_member(text, len, &at, name);
	}
	/* jansson read the text: it is UTF-8, so this only counts. */
	(void)utf8_check(text, at, line, col);
	return (found && *s == '\0');
}

static size_t
skip_ws(const char *t, size_t len, size_t i)
{
	while (i < len && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' ||
	    t[i] == '\r'))
		i++;
	return (i);
}

/*
 * The length in bytes of the value starting at t[i], as jansson decodes
 * it; 0 when there is none. The value is returned in *out when asked.
 */
static size_t
value_len(const char *t, size_t len, size_t i, json_t **out)
{
	json_error_t	err;
	json_t		*v;

	if (i >= len)
		return (0);
	v = json_loadb(t + i, len - i, JSON_DECODE_ANY |
	    JSON_DISABLE_EOF_CHECK | JSON_ALLOW_NUL, &err);
	if (v == NULL || err.position <= 0) {
		json_decref(v);
		return (0);
	}
	if (out != NULL)
		*out = v;
	else
		json_decref(v);
	return ((size_t)err.position);
}

/* Moves *at from an array to its element idx; 0 when there is none. */
static int
step_index(const char *t, size_t len, size_t *at, unsigned long idx)
{
	size_t		i, n;
	unsigned long	k;

	i = *at;
	if (i >= len || t[i] != '[')
		return (0);
	i = skip_ws(t, len, i + 1);
	for (k = 0; k < idx; k++) {
		if ((n = value_len(t, len, i, NULL)) == 0)
			return (0);
		i = skip_ws(t, len, i + n);
		if (i >= len || t[i] != ',')
			return (0);
		i = skip_ws(t, len, i + 1);
	}
	if (i >= len || t[i] == ']')
		return (0);
	*at = i;
	return (1);
}

/* Moves *at from an object to the value of its member name. */
static int
step_member(const char *t, size_t len, size_t *at, const char *name)
{
	json_t		*key;
	size_t		i, n;
	int		match;

	i = *at;
	if (i >= len || t[i] != '{')
		return (0);
	i = skip_ws(t, len, i + 1);
	while (i < len && t[i] == '"') {
		key = NULL;
		if ((n = value_len(t, len, i, &key)) == 0)
			return (0);
		match = json_is_string(key) &&
		    !strcmp(json_string_value(key), name);
		json_decref(key);
		i = skip_ws(t, len, i + n);
		if (i >= len || t[i] != ':')
			return (0);
		i = skip_ws(t, len, i + 1);
		if (match) {
			*at = i;
			return (1);
		}
		if ((n = value_len(t, len, i, NULL)) == 0)
			return (0);
		i = skip_ws(t, len, i + n);
		if (i < len && t[i] == ',')
			i = skip_ws(t, len, i + 1);
	}
	return (0);
}
