/*
 * CSV reading: quoted fields, doubled quotes, CRLF or LF, UTF-8 only.
 * A malformed file is refused whole, with the line of the first problem.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "validate.h"

static json_t *
fail(struct csv_error *err, size_t line, const char *msg, json_t *rows)
{
	err->line = line;
	(void)snprintf(err->message, sizeof(err->message), "%s", msg);
	json_decref(rows);
	return (NULL);
}

json_t *
csv_parse(const char *text, size_t len, size_t max_rows, struct csv_error *err)
{
	json_t		*rows, *fields;
	char		*field;
	size_t		i, flen, line, start_line, width, l, c;
	int		quoted, empty_record;

	memset(err, 0, sizeof(*err));
	if (!utf8_check(text, len, &l, &c)) {
		err->line = l;
		(void)snprintf(err->message, sizeof(err->message),
		    "The file is not valid UTF-8 text (column %zu).", c);
		return (NULL);
	}

	rows = json_array();
	field = malloc(len + 1);
	if (field == NULL)
		return (fail(err, 0, "Out of memory.", rows));
	i = 0;
	line = 1;
	width = 0;
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		i = 3;

	while (i < len) {
		fields = json_array();
		start_line = line;
		empty_record = 1;
		for (;;) {
			flen = 0;
			quoted = 0;
			if (i < len && text[i] == '"') {
				quoted = 1;
				i++;
				for (;;) {
					if (i >= len) {
						json_decref(fields);
						free(field);
						return (fail(err, start_line, "A quoted "
						    "field is never closed.", rows));
					}
					if (text[i] == '"') {
						if (i + 1 < len && text[i + 1] == '"') {
							field[flen++] = '"';
							i += 2;
							continue;
						}
						i++;
						break;
					}
					if (text[i] == '\n')
						line++;
					field[flen++] = text[i++];
				}
			} else {
				while (i < len && text[i] != ',' &&
				    text[i] != '\n' && text[i] != '\r') {
					if (text[i] == '"') {
						json_decref(fields);
						free(field);
						return (fail(err, line, "A quote "
						    "appears inside an unquoted "
						    "field.", rows));
					}
					field[flen++] = text[i++];
				}
			}
			if (flen > 0 || quoted)
				empty_record = 0;
			json_array_append_new(fields, json_stringn(field, flen));

			if (i < len && text[i] == ',') {
				empty_record = 0;
				i++;
				continue;
			}
			if (i < len && text[i] == '\r')
				i++;
			if (i < len && text[i] == '\n') {
				i++;
				line++;
			} else if (i < len) {
				json_decref(fields);
				free(field);
				return (fail(err, line, "Something follows a "
				    "closing quote.", rows));
			}
			break;
		}

		if (empty_record) {
			json_decref(fields);
			continue;
		}
		if (width == 0)
			width = json_array_size(fields);
		if (json_array_size(fields) != width) {
			json_decref(fields);
			free(field);
			return (fail(err, start_line, "This line has a different "
			    "number of fields than the header.", rows));
		}
		if (json_array_size(rows) >= max_rows) {
			json_decref(fields);
			free(field);
			return (fail(err, start_line, "The file has too many "
			    "lines.", rows));
		}
		json_array_append_new(rows, json_pack("{s:I, s:o}", "line",
		    (json_int_t)start_line, "fields", fields));
	}
	free(field);
	return (rows);
}
