/*
 * JSON log lines, written by hand into a caller's buffer: the access log
 * runs once a request, so it allocates nothing and builds no jansson tree.
 * A line that would not fit is not written at all (0), never cut in the
 * middle of a string.
 */

#include <sys/types.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "logline.h"

struct out {
	char	*buf;
	size_t	len;
	size_t	off;
	int	full;
};

static void	out_add(struct out *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	out_str(struct out *, const char *);

/* 2026-12-02T04:33:00.123Z */
void
logline_time(char *buf, size_t len, const struct timespec *ts)
{
	struct tm	tm;

	if (gmtime_r(&ts->tv_sec, &tm) == NULL) {
		(void)snprintf(buf, len, "1970-01-01T00:00:00.000Z");
		return;
	}
	(void)snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, ts->tv_nsec / 1000000);
}

static void
out_add(struct out *o, const char *fmt, ...)
{
	va_list		ap;
	int		n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->off, o->len - o->off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->len - o->off) {
		o->full = 1;
		return;
	}
	o->off += (size_t)n;
}

/*
 * A JSON string; control characters escaped, the rest as it is. Runs of
 * plain characters are copied whole: this runs for every request.
 */
static void
out_str(struct out *o, const char *s)
{
	const unsigned char	*p;
	size_t			run;

	out_add(o, "\"");
	for (p = (const unsigned char *)s; *p != '\0' && !o->full; p += run) {
		for (run = 0; p[run] >= 0x20 && p[run] != '"' &&
		    p[run] != '\\'; run++)
			;
		if (run == 0) {
			if (*p == '"' || *p == '\\')
				out_add(o, "\\%c", *p);
			else
				out_add(o, "\\u%04x", *p);
			run = 1;
			continue;
		}
		if (run >= o->len - o->off) {
			o->full = 1;
			return;
		}
		memcpy(o->buf + o->off, p, run);
		o->off += run;
		o->buf[o->off] = '\0';
	}
	out_add(o, "\"");
}

size_t
logline_request(char *buf, size_t len, const struct logline_request *r)
{
	struct out	o = { buf, len, 0, 0 };

	if (len == 0)
		return (0);
	out_add(&o, "{\"time\":");
	out_str(&o, r->time);
	out_add(&o, ",\"level\":\"info\",\"request_id\":");
	out_str(&o, r->request_id);
	out_add(&o, ",\"method\":");
	out_str(&o, r->method);
	out_add(&o, ",\"route\":");
	out_str(&o, r->route);
	out_add(&o, ",\"status\":%d,\"duration_ms\":%llu.%03llu,\"bytes\":%zu"
	    ",\"user_id\":", r->status,
	    (unsigned long long)(r->duration_us / 1000),
	    (unsigned long long)(r->duration_us % 1000), r->bytes);
	if (r->user_id == NULL || *r->user_id == '\0')
		out_add(&o, "null");
	else
		out_str(&o, r->user_id);
	out_add(&o, "}\n");
	if (o.full) {
		buf[0] = '\0';
		return (0);
	}
	return (o.off);
}

/* An event about a request (an error): level, request id and message. */
size_t
logline_event(char *buf, size_t len, const char *time, const char *level,
    const char *request_id, const char *message)
{
	struct out	o = { buf, len, 0, 0 };

	if (len == 0)
		return (0);
	out_add(&o, "{\"time\":");
	out_str(&o, time);
	out_add(&o, ",\"level\":");
	out_str(&o, level);
	out_add(&o, ",\"request_id\":");
	out_str(&o, request_id);
	out_add(&o, ",\"message\":");
	out_str(&o, message);
	out_add(&o, "}\n");
	if (o.full) {
		buf[0] = '\0';
		return (0);
	}
	return (o.off);
}
