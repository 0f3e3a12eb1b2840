/*
 * A report streamed from PostgreSQL to its client (issue 24,
 * docs/reports.md).
 *
 * Kore's pgsql layer ignores COPY, and libpq allows nothing else on a
 * connection during one, so a report has a libpq connection of its own to
 * the reports database, non-blocking, its socket in the worker's event loop
 * (level-triggered, as Kore's pgsql.c does for its own). The stream goes
 * through two owners:
 *
 *  1. The request, asleep while the connection is made and the COPY
 *     starts. A refusal or a failure then is still an ordinary answer
 *     with the error envelope: no byte of body has left.
 *  2. The connection, once COPY has started and the head (chunked
 *     transfer encoding) is sent, like media.c's streams: rows go into
 *     one of two buffers while the other is being sent; when the one
 *     being filled is full and the other is still on its way, the socket
 *     leaves the event loop and nothing more is read from PostgreSQL
 *     until the client has taken the chunk (backpressure: memory stays
 *     at two chunks however large the report and however slow the
 *     client).
 *
 * A client that hangs up (or a request dropped before the head) cancels
 * the query and closes the connection; PQcancel connects to the server
 * and waits for it, so that runs on a short-lived thread, off the event
 * loop. A COPY that fails midway ends the connection without the last
 * chunk, so the client sees a truncated transfer, never a short report
 * that looks whole.
 */

#include <pthread.h>
#include <stdlib.h>

#include <libpq-fe.h>

#include "platform.h"
#include "report_chunk.h"
#include "reports.h"

#define REPORT_CHUNK		(64 * 1024)
/*
 * libpq leaves the time a non-blocking connect takes to its caller: a
 * reports server that does not answer is a 503 after this long.
 */
#define REPORT_CONNECT_MS	5000

#define STREAM_CONNECTING	1
#define STREAM_SENDING		2	/* the COPY statement is leaving */
#define STREAM_STARTING		3	/* waiting for COPY to start */
#define STREAM_READY		4	/* COPY started: the request answers */
#define STREAM_COPYING		5	/* rows flow to the client */
#define STREAM_ENDING		6	/* COPY over: its result comes */
#define STREAM_FAILED		7

#define WATCH_NONE		0
#define WATCH_READ		1
#define WATCH_WRITE		2

struct report_stream {
	struct kore_event	evt;	/* first: the event loop hands us it */
	int			phase;
	int			format;
	int			bom;
	PGconn			*pg;
	int			fd;
	int			watching;
	int			failure;	/* the status answered */
	int			copy_ok;
	char			*copy;
	char			*file;
	char			request_id[REQUEST_ID_LEN + 1];
	struct kore_timer	*connect_timer;
	struct http_request	*req;	/* until the head is sent */
	struct connection	*c;	/* after it */
	struct kore_buf		buf[2];
	int			fill;	/* the buffer rows go into */
	int			inflight;	/* the other is being sent */
	int			sent_last;
	int			pumping;
	int			gone;
	int			freed;
	u_int64_t		rows;
};

static void	report_event(void *, int);
static void	report_step(struct report_stream *);
static void	report_connect_poll(struct report_stream *);
static void	report_connect_timeout(void *, u_int64_t);
static void	report_connect_timer_stop(struct report_stream *);
static void	report_start_poll(struct report_stream *);
static void	report_watch(struct report_stream *, int);
static void	report_fail(struct report_stream *, int);
static int	report_answer(struct http_request *, struct api_req *);
static void	report_pump(struct report_stream *);
static int	report_pump_row(struct report_stream *);
static int	report_copy_result(struct report_stream *);
static void	report_send(struct report_stream *, int);
static int	report_sent(struct netbuf *);
static void	report_gone(struct connection *);
static void	report_release(struct report_stream *);
static void	report_free(struct report_stream *);
static void	report_free_timer(void *, u_int64_t);
static void	report_pg_close(struct report_stream *, int);
static void	*report_cancel_run(void *);
static void	report_buf_clear(struct kore_buf *);

/*
 * Starts a report: connects, sends the COPY statement the database wrote
 * (api.report_completions), and answers once COPY has started. The
 * request sleeps meanwhile; the stream is the request's data until then.
 */
int
report_stream_begin(struct http_request *req, struct api_req *ar,
    const char *conninfo, const char *copy, const char *file, int format,
    int bom)
{
	struct report_stream	*s;

	s = kore_calloc(1, sizeof(*s));
	s->evt.type = KORE_TYPE_PGSQL_CONN;
	s->evt.handle = report_event;
	s->phase = STREAM_CONNECTING;
	s->format = format;
	s->bom = bom;
	s->fd = -1;
	s->copy = kore_strdup(copy);
	s->file = kore_strdup(file);
	(void)kore_strlcpy(s->request_id, ar->request_id,
	    sizeof(s->request_id));
	s->req = req;
	kore_buf_init(&s->buf[0], REPORT_CHUNK + 1024);
	kore_buf_init(&s->buf[1], REPORT_CHUNK + 1024);
	report_buf_clear(&s->buf[0]);
	report_buf_clear(&s->buf[1]);

	ar->data = s;
	ar->free_data = report_stream_abandon;
	ar->waiting = report_answer;

	if ((s->pg = PQconnectStart(conninfo)) == NULL ||
	    PQstatus(s->pg) == CONNECTION_BAD) {
		kore_log(LOG_WARNING, "req=%s report: cannot connect",
		    s->request_id);
		report_pg_close(s, 0);
		s->phase = STREAM_FAILED;
		s->failure = 503;
		return (report_answer(req, ar));
	}
	/* libpq's word: poll as if PQconnectPoll had asked for writing. */
	report_watch(s, WATCH_WRITE);
	s->connect_timer = kore_timer_add(report_connect_timeout,
	    REPORT_CONNECT_MS, s, KORE_TIMER_ONESHOT);
	http_request_sleep(req);
	return (KORE_RESULT_RETRY);
}

/* The request went away before the head: cancel, close, free. */
void
report_stream_abandon(void *arg)
{
	struct report_stream	*s = arg;

	s->req = NULL;
	s->gone = 1;
	report_pg_close(s, s->phase != STREAM_FAILED);
	report_release(s);
}

static void
report_event(void *arg, int error)
{
	struct report_stream	*s = arg;

	(void)error;	/* libpq sees a closed socket for itself */
	s->evt.flags = 0;
	if (s->freed || s->pg == NULL)
		return;
	report_step(s);
}

static void
report_step(struct report_stream *s)
{
	int		r;

	switch (s->phase) {
	case STREAM_CONNECTING:
		report_connect_poll(s);
		break;
	case STREAM_SENDING:
		if ((r = PQflush(s->pg)) == -1) {
			report_fail(s, 503);
		} else if (r == 1) {
			report_watch(s, WATCH_WRITE);
		} else {
			s->phase = STREAM_STARTING;
			report_watch(s, WATCH_READ);
			report_start_poll(s);
		}
		break;
	case STREAM_STARTING:
		report_start_poll(s);
		break;
	case STREAM_COPYING:
	case STREAM_ENDING:
		if (!PQconsumeInput(s->pg)) {
			report_fail(s, 503);
			break;
		}
		report_pump(s);
		break;
	default:
		report_watch(s, WATCH_NONE);
		break;
	}
}

static void
report_connect_poll(struct report_stream *s)
{
	switch (PQconnectPoll(s->pg)) {
	case PGRES_POLLING_READING:
		report_watch(s, WATCH_READ);
		break;
	case PGRES_POLLING_WRITING:
		report_watch(s, WATCH_WRITE);
		break;
	case PGRES_POLLING_OK:
		report_connect_timer_stop(s);
		if (PQsetnonblocking(s->pg, 1) == -1 ||
		    !PQsendQuery(s->pg, s->copy)) {
			report_fail(s, 503);
			break;
		}
		s->phase = STREAM_SENDING;
		report_step(s);
		break;
	default:
		kore_log(LOG_WARNING, "req=%s report: cannot connect",
		    s->request_id);
		report_fail(s, 503);
		break;
	}
}

static void
report_connect_timeout(void *arg, u_int64_t now)
{
	struct report_stream	*s = arg;

	(void)now;
	s->connect_timer = NULL;	/* Kore frees a one-shot timer */
	if (s->phase != STREAM_CONNECTING)
		return;
	kore_log(LOG_WARNING, "req=%s report: connect timed out",
	    s->request_id);
	report_fail(s, 503);
}

static void
report_connect_timer_stop(struct report_stream *s)
{
	if (s->connect_timer != NULL) {
		kore_timer_remove(s->connect_timer);
		s->connect_timer = NULL;
	}
}

/* Waits for the COPY to start; the request answers either way. */
static void
report_start_poll(struct report_stream *s)
{
	PGresult	*res;
	const char	*state;

	if (!PQconsumeInput(s->pg)) {
		report_fail(s, 503);
		return;
	}
	if (PQisBusy(s->pg))
		return;
	res = PQgetResult(s->pg);
	if (res != NULL && PQresultStatus(res) == PGRES_COPY_OUT) {
		PQclear(res);
		/* Rows wait in the socket until the head is out. */
		report_watch(s, WATCH_NONE);
		s->phase = STREAM_READY;
		if (s->req != NULL)
			http_request_wakeup(s->req);
		return;
	}
	state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	kore_log(LOG_ERR, "req=%s report: COPY did not start (%s)",
	    s->request_id, state ? state : "no result");
	PQclear(res);
	report_fail(s, state && (!strncmp(state, "08", 2) ||
	    !strncmp(state, "57P", 3)) ? 503 : 500);
}

/* Which events of the libpq socket the stream waits for. */
static void
report_watch(struct report_stream *s, int what)
{
	int		fd;

	fd = s->pg ? PQsocket(s->pg) : -1;
	if (fd != s->fd) {
		/* libpq closed the old socket: epoll forgot it with it. */
		s->fd = fd;
		s->watching = WATCH_NONE;
	}
	if (fd == -1 || what == s->watching)
		return;
	if (what == WATCH_NONE)
		kore_platform_disable_read(fd);
	else if (what == WATCH_READ)
		kore_platform_event_level_read(fd, s);
	else
		kore_platform_event_level_all(fd, s);
	s->watching = what;
}

/*
 * Before the head: the request answers with the status. After: the
 * connection ends without the last chunk.
 */
static void
report_fail(struct report_stream *s, int status)
{
	int		copying;

	copying = s->phase == STREAM_COPYING || s->phase == STREAM_ENDING;
	s->phase = STREAM_FAILED;
	s->failure = status;
	report_pg_close(s, copying);
	if (s->req != NULL) {
		http_request_wakeup(s->req);
	} else if (s->c != NULL && !s->gone) {
		kore_log(LOG_ERR, "req=%s report: stopped after %llu rows",
		    s->request_id, (unsigned long long)s->rows);
		kore_connection_disconnect(s->c);
	}
}

/* The request's step while the stream starts (api.c's ar->waiting). */
static int
report_answer(struct http_request *req, struct api_req *ar)
{
	struct report_stream	*s = ar->data;
	struct connection	*c;
	char			disp[320];

	if (s->phase == STREAM_FAILED) {
		ar->waiting = NULL;
		if (s->failure == 503) {
			reply_error(req, 503, "database_unavailable",
			    "The reports database is not answering; try "
			    "again shortly.", NULL);
		} else {
			reply_error(req, 500, "internal_error", "Something "
			    "went wrong on our side; it has been logged.", NULL);
		}
		return (KORE_RESULT_OK);
	}
	if (s->phase != STREAM_READY) {
		http_request_sleep(req);
		return (KORE_RESULT_RETRY);
	}

	ar->waiting = NULL;
	if ((c = req->owner) == NULL || c->state == CONN_STATE_DISCONNECTING)
		return (KORE_RESULT_OK);	/* free_data cancels it */

	(void)snprintf(disp, sizeof(disp), "attachment; filename=\"%s.%s\"",
	    s->file, report_format_ext(s->format));
	http_response_header(req, "content-disposition", disp);
	http_response_header(req, "cache-control", "no-store");
	/* Busy: Kore does not read the next request until the last chunk. */
	c->flags |= CONN_IS_BUSY;
	reply_chunked_head(req, 200, report_format_ctype(s->format));

	ar->data = NULL;	/* the connection's now */
	s->req = NULL;
	s->c = c;
	c->hdlr_extra = s;
	c->disconnect = report_gone;
	s->phase = STREAM_COPYING;
	kore_buf_appendf(&s->buf[s->fill], "%s",
	    report_prefix(s->format, s->bom));
	report_pump(s);
	return (KORE_RESULT_OK);
}

/*
 * Moves rows from libpq into the buffer being filled and buffers to the
 * client, until PostgreSQL has nothing ready or the client is behind.
 * Re-entered from report_sent when a send completes at once: the flag
 * keeps that a loop rather than a recursion a million deep.
 */
static void
report_pump(struct report_stream *s)
{
	struct kore_buf		*b;
	int			r;

	if (s->pumping)
		return;
	s->pumping = 1;
	while (!s->gone && s->phase != STREAM_FAILED && !s->sent_last) {
		b = &s->buf[s->fill];
		if (b->offset >= REPORT_CHUNK) {
			if (s->inflight) {
				/* The client is behind: stop reading. */
				report_watch(s, WATCH_NONE);
				break;
			}
			report_send(s, 0);
			continue;
		}
		if (s->phase == STREAM_ENDING) {
			if ((r = report_copy_result(s)) == 0) {
				report_watch(s, WATCH_READ);
				break;
			}
			if (r == -1) {
				report_fail(s, 500);
				break;
			}
			if (s->inflight)
				break;	/* report_sent sends the rest */
			kore_buf_appendf(b, "%s", report_suffix(s->format));
			report_send(s, 1);
			break;
		}
		if ((r = report_pump_row(s)) == 0) {
			report_watch(s, WATCH_READ);
			if (!s->inflight && b->offset > REPORT_CHUNK_HEAD)
				report_send(s, 0);
			break;
		}
		if (r == -1)
			break;
	}
	s->pumping = 0;
	report_release(s);
}

/* One row from libpq: 1 taken (or COPY over), 0 none ready, -1 failed. */
static int
report_pump_row(struct report_stream *s)
{
	struct kore_buf		*b;
	const char		*sep;
	char			*row;
	int			n;

	b = &s->buf[s->fill];
	if ((n = PQgetCopyData(s->pg, &row, 1)) > 0) {
		sep = report_row_sep(s->format, s->rows);
		kore_buf_append(b, sep, strlen(sep));
		kore_buf_append(b, row, report_row_len(s->format, row, n));
		PQfreemem(row);
		s->rows++;
		return (1);
	}
	if (n == 0)
		return (0);
	if (n == -1) {
		/* Over, or an error ended it: the result says which. */
		s->phase = STREAM_ENDING;
		s->copy_ok = 0;
		return (1);
	}
	report_fail(s, 500);
	return (-1);
}

/* COPY's own result: 1 it succeeded, 0 not yet known, -1 it failed. */
static int
report_copy_result(struct report_stream *s)
{
	PGresult	*res;
	const char	*state;

	if (s->pg == NULL)
		return (s->copy_ok ? 1 : -1);
	while (!PQisBusy(s->pg)) {
		if ((res = PQgetResult(s->pg)) == NULL) {
			report_pg_close(s, 0);
			return (s->copy_ok ? 1 : -1);
		}
		if (PQresultStatus(res) == PGRES_COMMAND_OK) {
			s->copy_ok = 1;
		} else {
			state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
			kore_log(LOG_ERR, "req=%s report: COPY failed (%s)",
			    s->request_id, state ? state : "?");
		}
		PQclear(res);
	}
	return (s->pg == NULL ? (s->copy_ok ? 1 : -1) : 0);
}

/* Sends the buffer being filled as a chunk (and the last chunk). */
static void
report_send(struct report_stream *s, int last)
{
	struct kore_buf		*b;
	struct netbuf		*nb;
	size_t			start;

	b = &s->buf[s->fill];
	start = REPORT_CHUNK_HEAD;
	if (b->offset > REPORT_CHUNK_HEAD) {
		start = report_chunk_head(b->data, b->offset);
		kore_buf_append(b, REPORT_CHUNK_TAIL,
		    sizeof(REPORT_CHUNK_TAIL) - 1);
	}
	if (last) {
		kore_buf_append(b, REPORT_CHUNK_LAST,
		    sizeof(REPORT_CHUNK_LAST) - 1);
		s->sent_last = 1;
	}
	s->inflight = 1;
	s->fill ^= 1;
	/*
	 * Kore restarts a connection's idle timer only on its own socket
	 * events, and checks it once the request is gone: a client that
	 * reads as fast as we write gives it none, and the stream was cut
	 * after http_keepalive_time. A chunk goes out only once the one
	 * before it is written, so this restart is progress; a client that
	 * stops reading stops it, and is dropped as before.
	 */
	kore_connection_start_idletimer(s->c);
	net_send_stream(s->c, b->data + start, b->offset - start, report_sent,
	    &nb);
	nb->extra = s;
	if (net_send_flush(s->c) == KORE_RESULT_ERROR)
		kore_connection_disconnect(s->c);
}

/*
 * Kore calls this when a chunk has been written, and when it drops the
 * connection with a chunk still queued.
 */
static int
report_sent(struct netbuf *nb)
{
	struct report_stream	*s = nb->extra;

	s->inflight = 0;
	report_buf_clear(&s->buf[s->fill ^ 1]);
	if (!s->gone && !s->sent_last && !s->pumping)
		report_pump(s);
	else
		report_release(s);
	return (KORE_RESULT_OK);
}

/* Kore is dropping the connection: the client hung up, or we did. */
static void
report_gone(struct connection *c)
{
	struct report_stream	*s = c->hdlr_extra;

	c->hdlr_extra = NULL;	/* Kore would free it with the connection */
	c->disconnect = NULL;
	if (s == NULL)
		return;
	s->gone = 1;
	if (!s->sent_last && s->phase != STREAM_FAILED)
		kore_log(LOG_NOTICE, "req=%s report: client left after %llu "
		    "rows; query cancelled", s->request_id,
		    (unsigned long long)s->rows);
	report_pg_close(s, 1);
	report_release(s);
}

/*
 * Frees the stream once nothing holds it: no loop running, no chunk
 * queued. When the last chunk is out the connection goes back to HTTP.
 */
static void
report_release(struct report_stream *s)
{
	struct connection	*c;

	if (s->pumping || s->inflight || s->freed)
		return;
	if (!s->gone && !s->sent_last)
		return;
	if (!s->gone && s->c != NULL) {
		c = s->c;
		c->hdlr_extra = NULL;
		c->disconnect = NULL;
		c->flags &= ~CONN_IS_BUSY;
		/* Connection: close (or HTTP/1.0): Kore closes once empty. */
		if (!(c->flags & CONN_CLOSE_EMPTY))
			http_start_recv(c);
	}
	report_free(s);
}

/*
 * The memory goes on the next timer tick, not now: an event of the
 * libpq socket returned by the same epoll_wait may still name it.
 */
static void
report_free(struct report_stream *s)
{
	report_connect_timer_stop(s);
	report_pg_close(s, 1);
	s->freed = 1;
	s->c = NULL;
	(void)kore_timer_add(report_free_timer, 1, s, KORE_TIMER_ONESHOT);
}

static void
report_free_timer(void *arg, u_int64_t now)
{
	struct report_stream	*s = arg;

	(void)now;
	kore_buf_cleanup(&s->buf[0]);
	kore_buf_cleanup(&s->buf[1]);
	kore_free(s->copy);
	kore_free(s->file);
	kore_free(s);
}

/*
 * Closes the libpq connection; with cancel, a query still running is
 * cancelled first, on a thread of its own (PQcancel blocks).
 */
static void
report_pg_close(struct report_stream *s, int cancel)
{
	pthread_attr_t	attr;
	pthread_t	tid;
	PGconn		*pg;

	if ((pg = s->pg) == NULL)
		return;
	report_watch(s, WATCH_NONE);
	s->pg = NULL;
	s->fd = -1;
	if (!cancel || PQstatus(pg) != CONNECTION_OK ||
	    PQtransactionStatus(pg) == PQTRANS_IDLE) {
		PQfinish(pg);
		return;
	}
	if (pthread_attr_init(&attr) == 0 &&
	    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) == 0 &&
	    pthread_create(&tid, &attr, report_cancel_run, pg) == 0) {
		(void)pthread_attr_destroy(&attr);
		return;
	}
	kore_log(LOG_WARNING, "report: no thread to cancel; cancelling here");
	(void)report_cancel_run(pg);
}

static void *
report_cancel_run(void *arg)
{
	PGconn		*pg = arg;
	PGcancel	*cancel;
	char		err[256];

	if ((cancel = PQgetCancel(pg)) != NULL) {
		(void)PQcancel(cancel, err, sizeof(err));
		PQfreeCancel(cancel);
	}
	PQfinish(pg);
	return (NULL);
}

/* An empty chunk: room for its size line, no data. */
static void
report_buf_clear(struct kore_buf *b)
{
	static const char	head[REPORT_CHUNK_HEAD] = { 0 };

	kore_buf_reset(b);
	kore_buf_append(b, head, sizeof(head));
}
