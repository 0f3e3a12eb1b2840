/*
 * Completion reports (issue 24, docs/reports.md): the routes in reports.c,
 * the stream in report_stream.c.
 */

#ifndef __H_REPORTS_H
#define __H_REPORTS_H

#include "platform.h"

/*
 * The Kore pgsql database report queries use: REPORTS_DATABASE_URL (a
 * replica) when set, else DATABASE_URL. Nothing else uses it.
 */
#define DB_REPORTS		"reports"

int	reports_init(const char *);

int	report_stream_begin(struct http_request *, struct api_req *,
	    const char *, const char *, const char *, int, int);
void	report_stream_abandon(void *);

#endif
