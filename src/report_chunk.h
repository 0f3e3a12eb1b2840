/*
 * The framing of a streamed report (report_stream.c): chunked transfer
 * encoding, and the text around each row of the three formats. Pure: no
 * Kore, no libpq; unit-tested in tests/unit/report_chunk_test.c.
 */

#ifndef __H_REPORT_CHUNK_H
#define __H_REPORT_CHUNK_H

#include <stddef.h>
#include <stdint.h>

#define REPORT_CSV		0
#define REPORT_NDJSON		1
#define REPORT_JSON		2

/* Bytes kept in front of a chunk's data for its size line. */
#define REPORT_CHUNK_HEAD	10
#define REPORT_CHUNK_TAIL	"\r\n"
#define REPORT_CHUNK_LAST	"0\r\n\r\n"

/* The format named by ?format= (NULL: csv); -1 when unknown. */
int		report_format_parse(const char *);
const char	*report_format_ctype(int);
const char	*report_format_ext(int);

/*
 * Writes the size line of the chunk whose data is buf[REPORT_CHUNK_HEAD
 * .. len) just before that data; returns where the chunk starts in buf.
 */
size_t		report_chunk_head(uint8_t *, size_t);

/* What comes before the first row (bom: a UTF-8 byte-order mark). */
const char	*report_prefix(int, int);
/* What goes before row number n (from 0), and after the last row. */
const char	*report_row_sep(int, uint64_t);
const char	*report_suffix(int);
/* How much of a row COPY gave is sent (json drops its newline). */
size_t		report_row_len(int, const char *, size_t);

/* True when a file name from the database is safe in a header. */
int		report_file_ok(const char *);

#endif
