/*
 * The server's log lines: one JSON object a line (logline.c, pure).
 * Request lines name the route pattern, never the path or its query, and
 * the user by id only: no name, no e-mail address, no search words.
 */

#ifndef __H_LOGLINE_H
#define __H_LOGLINE_H

#include <sys/types.h>

#include <stddef.h>
#include <time.h>

#define LOGLINE_MAX		1024
#define LOGLINE_TIME_LEN	32

struct logline_request {
	const char	*time;
	const char	*request_id;
	const char	*method;
	const char	*route;
	int		status;
	u_int64_t	duration_us;
	size_t		bytes;
	const char	*user_id;	/* NULL or "" when signed out */
};

void	logline_time(char *, size_t, const struct timespec *);
size_t	logline_request(char *, size_t, const struct logline_request *);
size_t	logline_event(char *, size_t, const char *, const char *,
	    const char *, const char *);

#endif
