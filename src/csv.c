/*
 * CSV reading: quoted fields, doubled quotes, CRLF or LF, UTF-8 only.
 * A malformed file is refused whole, with the line of the first problem.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csv.h"
#include "validate.h"

/* Where the reading is, and the scratch buffer fields are copied into. */
struct csv_reader {
	const char		*text;
	size_t			len;
	size_t			i;
	size_t			line;
	char			*field;		/* len + 1 bytes */
	struct csv_error	*err;
};

static int	csv_reader_init(struct csv_reader *, const char *, size_t,
		    struct csv_error *);
static json_t	*csv_record(struct csv_reader *, size_t, int *);
static int	csv_record_end(struct csv_reader *);
static int	csv_field(struct csv_reader *, size_t, size_t *, int *);
static int	csv_quoted(struct csv_reader *, size_t, size_t *);
static int	csv_unquoted(struct csv_reader *, size_t *);
static int	csv_append(struct csv_reader *, json_t *, json_t *, size_t,
		    size_t, size_t *);
static int	csv_fail(struct csv_error *, size_t, const char *);
static int	csv_header_find(json_t *, const char *const *, size_t *,
		    struct csv_error *);

json_t *
csv_parse(const char *text, size_t len, size_t max_rows, struct csv_error *err)
{
	struct csv_reader	r;
	json_t			*rows, *fields;
	size_t			start, width;
	int			empty, ok;

	if (!csv_reader_init(&r, text, len, err))
		return (NULL);

	rows = json_array();
	width = 0;
	ok = 1;
	while (ok && r.i < len) {
		start = r.line;
		if ((fields = csv_record(&r, start, &empty)) == NULL)
			ok = 0;
		else if (empty)
			json_decref(fields);
		else
			ok = csv_append(&r, rows, fields, start, max_rows, &width);
	}
	free(r.field);
	if (!ok) {
		json_decref(rows);
		return (NULL);
	}
	return (rows);
}

/* Checks the text is UTF-8 and skips a byte-order mark. */
static int
csv_reader_init(struct csv_reader *r, const char *text, size_t len,
    struct csv_error *err)
{
	size_t		l, c;

	memset(err, 0, sizeof(*err));
	memset(r, 0, sizeof(*r));
	if (!utf8_check(text, len, &l, &c)) {
		err->line = l;
		(void)snprintf(err->message, sizeof(err->message),
		    "The file is not valid UTF-8 text (column %zu).", c);
		return (0);
	}
	if ((r->field = malloc(len + 1)) == NULL)
		return (csv_fail(err, 0, "Out of memory."));
	r->text = text;
	r->len = len;
	r->line = 1;
	r->err = err;
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		r->i = 3;
	return (1);
}

/*
 * One record starting on line start: its fields, or NULL (err set).
 * *empty says the line held nothing at all, not even a comma.
 */
static json_t *
csv_record(struct csv_reader *r, size_t start, int *empty)
{
	json_t		*fields;
	size_t		flen;
	int		quoted;

	fields = json_array();
	*empty = 1;
	for (;;) {
		if (!csv_field(r, start, &flen, &quoted)) {
			json_decref(fields);
			return (NULL);
		}
		if (flen > 0 || quoted)
			*empty = 0;
		json_array_append_new(fields, json_stringn(r->field, flen));
		if (r->i < r->len && r->text[r->i] == ',') {
			*empty = 0;
			r->i++;
			continue;
		}
		if (!csv_record_end(r)) {
			json_decref(fields);
			return (NULL);
		}
		return (fields);
	}
}

/* After a record's last field: the line's end, or the file's. */
static int
csv_record_end(struct csv_reader *r)
{
	if (r->i < r->len && r->text[r->i] == '\r')
		r->i++;
	if (r->i < r->len && r->text[r->i] == '\n') {
		r->i++;
		r->line++;
		return (1);
	}
	if (r->i < r->len)
		return (csv_fail(r->err, r->line, "Something follows a "
		    "closing quote."));
	return (1);
}

/* Copies one field into r->field (*flen bytes); 0 with err set. */
static int
csv_field(struct csv_reader *r, size_t start, size_t *flen, int *quoted)
{
	*flen = 0;
	*quoted = 0;
	if (r->i < r->len && r->text[r->i] == '"') {
		*quoted = 1;
		r->i++;
		return (csv_quoted(r, start, flen));
	}
	return (csv_unquoted(r, flen));
}

/* The rest of a quoted field, up to and past its closing quote. */
static int
csv_quoted(struct csv_reader *r, size_t start, size_t *flen)
{
	for (;;) {
		if (r->i >= r->len)
			return (csv_fail(r->err, start, "A quoted field is "
			    "never closed."));
		if (r->text[r->i] == '"') {
			if (r->i + 1 < r->len && r->text[r->i + 1] == '"') {
				r->field[(*flen)++] = '"';
				r->i += 2;
				continue;
			}
			r->i++;
			return (1);
		}
		if (r->text[r->i] == '\n')
			r->line++;
		r->field[(*flen)++] = r->text[r->i++];
	}
}

static int
csv_unquoted(struct csv_reader *r, size_t *flen)
{
	while (r->i < r->len && r->text[r->i] != ',' &&
	    r->text[r->i] != '\n' && r->text[r->i] != '\r') {
		if (r->text[r->i] == '"')
			return (csv_fail(r->err, r->line, "A quote appears "
			    "inside an unquoted field."));
		r->field[(*flen)++] = r->text[r->i++];
	}
	return (1);
}

/*
 * Adds a record to rows, taking fields, when it is as wide as the first
 * and there is room; 0 with err set (fields released) when not.
 */
static int
csv_append(struct csv_reader *r, json_t *rows, json_t *fields, size_t start,
    size_t max_rows, size_t *width)
{
	if (*width == 0)
		*width = json_array_size(fields);
	if (json_array_size(fields) != *width) {
		json_decref(fields);
		return (csv_fail(r->err, start, "This line has a different "
		    "number of fields than the header."));
	}
	if (json_array_size(rows) >= max_rows) {
		json_decref(fields);
		return (csv_fail(r->err, start, "The file has too many lines."));
	}
	json_array_append_new(rows, json_pack("{s:I, s:o}", "line",
	    (json_int_t)start, "fields", fields));
	return (1);
}

static int
csv_fail(struct csv_error *err, size_t line, const char *msg)
{
	err->line = line;
	(void)snprintf(err->message, sizeof(err->message), "%s", msg);
	return (0);
}

/*
 * The records of a file whose header names the columns in names (NULL-
 * terminated; any order, any case, other columns ignored), as
 * [{"line": n, name: value, ...}] without the header; or NULL with the
 * first problem in err. max_rows counts the header.
 */
json_t *
csv_columns(const char *text, size_t len, size_t max_rows,
    const char *const *names, struct csv_error *err)
{
	json_t		*records, *out, *rec, *f, *row;
	size_t		cols[CSV_COLUMNS_MAX], i, k;

	if ((records = csv_parse(text, len, max_rows, err)) == NULL)
		return (NULL);
	if (!csv_header_find(json_array_get(records, 0), names, cols, err)) {
		json_decref(records);
		return (NULL);
	}

	out = json_array();
	json_array_foreach(records, i, rec) {
		if (i == 0)
			continue;
		f = json_object_get(rec, "fields");
		row = json_pack("{s:O}", "line", json_object_get(rec, "line"));
		for (k = 0; names[k] != NULL; k++)
			json_object_set(row, names[k], json_array_get(f, cols[k]));
		json_array_append_new(out, row);
	}
	json_decref(records);
	return (out);
}

/*
 * The index of each named column in the header record (the last of twins);
 * 0, with the problem on line 1, when one is missing.
 */
static int
csv_header_find(json_t *header, const char *const *names, size_t *cols,
    struct csv_error *err)
{
	json_t		*f;
	size_t		i, k, n;
	int		missing;
	char		list[96];

	for (n = 0; names[n] != NULL; n++)
		;
	if (n > CSV_COLUMNS_MAX)
		return (csv_fail(err, 0, "Too many columns asked for."));
	missing = 0;
	list[0] = '\0';
	for (k = 0; k < n; k++) {
		cols[k] = (size_t)-1;
		json_array_foreach(json_object_get(header, "fields"), i, f) {
			if (!strcasecmp(json_string_value(f), names[k]))
				cols[k] = i;
		}
		if (cols[k] == (size_t)-1)
			missing = 1;
		(void)snprintf(list + strlen(list), sizeof(list) - strlen(list),
		    "%s%s", k == 0 ? "" : k + 1 == n ? " and " : ", ", names[k]);
	}
	if (!missing)
		return (1);
	err->line = 1;
	(void)snprintf(err->message, sizeof(err->message), "the header must "
	    "name the columns %s.", list);
	return (0);
}
