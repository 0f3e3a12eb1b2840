/*
 * Report framing. COPY hands over one row at a time, each ending in a
 * newline: CSV rows as PostgreSQL quoted them (RFC 4180), JSON rows as the
 * text of one object. ndjson sends them as they are; json puts them in
 * {"rows":[...]}, which needs a comma between rows and no newline inside.
 */

#include <stdio.h>
#include <string.h>

#include "report_chunk.h"

int
report_format_parse(const char *name)
{
	if (name == NULL || !strcmp(name, "csv"))
		return (REPORT_CSV);
	if (!strcmp(name, "ndjson"))
		return (REPORT_NDJSON);
	if (!strcmp(name, "json"))
		return (REPORT_JSON);
	return (-1);
}

const char *
report_format_ctype(int format)
{
	switch (format) {
	case REPORT_NDJSON:
		return ("application/x-ndjson");
	case REPORT_JSON:
		return ("application/json");
	default:
		return ("text/csv; charset=utf-8");
	}
}

const char *
report_format_ext(int format)
{
	switch (format) {
	case REPORT_NDJSON:
		return ("ndjson");
	case REPORT_JSON:
		return ("json");
	default:
		return ("csv");
	}
}

size_t
report_chunk_head(uint8_t *buf, size_t len)
{
	char		line[REPORT_CHUNK_HEAD + 1];
	int		n;

	n = snprintf(line, sizeof(line), "%zx\r\n", len - REPORT_CHUNK_HEAD);
	if (n < 0 || n > REPORT_CHUNK_HEAD)
		return (0);	/* cannot happen: sizes stay far below 2^32 */
	memcpy(buf + REPORT_CHUNK_HEAD - n, line, n);
	return (REPORT_CHUNK_HEAD - n);
}

const char *
report_prefix(int format, int bom)
{
	if (format == REPORT_JSON)
		return ("{\"rows\":[");
	if (format == REPORT_CSV && bom)
		return ("\xef\xbb\xbf");
	return ("");
}

const char *
report_row_sep(int format, uint64_t n)
{
	if (format == REPORT_JSON)
		return (n == 0 ? "\n" : ",\n");
	return ("");
}

const char *
report_suffix(int format)
{
	return (format == REPORT_JSON ? "\n]}\n" : "");
}

size_t
report_row_len(int format, const char *row, size_t len)
{
	if (format == REPORT_JSON && len > 0 && row[len - 1] == '\n')
		return (len - 1);
	return (len);
}

int
report_file_ok(const char *name)
{
	const char	*p;

	if (name == NULL || *name == '\0' || strlen(name) > 200)
		return (0);
	for (p = name; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '_'))
			return (0);
	}
	return (1);
}
