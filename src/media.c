/*
 * Media: the files module packages carry, addressed by their sha256.
 *
 * The database holds each file (media.bytes, written by the module import)
 * and stays the authority: every answer but a 304 asks it whether the file
 * exists and what it is. The bytes are sent from a copy on disk,
 * SG_VAR_DIR/media/<sha256>, made the first time a worker needs it, and
 * streamed from there one MEDIA_CHUNK at a time: a connection holds one
 * chunk and an open file however large the file and however slowly its
 * client reads. Before, the whole answer was queued at once, and a hundred
 * clients that never read held a gigabyte (issue 20).
 *
 * While it streams, the connection is marked busy, so Kore does not start
 * reading the next request, nor arm its header timer, which would end a
 * long download after http_header_timeout with a 408. A client that stops
 * reading is dropped by Kore's idle timer instead: every write that makes
 * progress restarts it, so it fires after http_keepalive_time without any.
 *
 * Addresses never change, so the copy never goes stale; one of the wrong
 * size (a crash mid-write, a full disk) is made again. When no copy can be
 * written the file is sent from memory, as before, and the log says why.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <sodium.h>

#include "platform.h"
#include "handlers.h"
#include "http_parse.h"

#define MEDIA_CACHE	"public, max-age=31536000, immutable"
#define MEDIA_CHUNK	(64 * 1024)

/* One answer being streamed; owned by its connection's send queue. */
struct media_stream {
	struct connection	*c;
	int			fd;
	off_t			off;	/* the next byte to read */
	off_t			end;	/* one past the last byte to send */
	int			gone;	/* the connection is going away */
	u_int8_t		buf[MEDIA_CHUNK];
};

static int	media_sha_valid(const char *);
static int	media_path(const char *, char *, size_t);
static int	media_reply(struct http_request *, struct api_req *);
static int	media_fetch(struct http_request *, struct api_req *);
static int	media_copy_write(const char *, const void *, size_t);
static int	media_open(const char *, size_t);
static void	media_headers(struct http_request *, const char *);
static void	media_send(struct http_request *, const char *, int, size_t,
		    const void *);
static void	media_stream_start(struct http_request *, int, const char *,
		    int, size_t, size_t, size_t);
static int	media_stream_next(struct media_stream *);
static int	media_stream_sent(struct netbuf *);
static void	media_stream_gone(struct connection *);
static void	media_stream_end(struct media_stream *, int);

int
media_get(struct http_request *req, struct api_req *ar)
{
	const char	*sha, *params[1];
	char		etag[80], path[PATH_MAX];
	struct stat	st;

	sha = api_param(ar, 0);
	if (!media_sha_valid(sha)) {
		reply_error(req, 404, "media_not_found", "No such file.", NULL);
		return (KORE_RESULT_OK);
	}

	/*
	 * The address is the content's hash: a client that holds it needs no
	 * database. Anyone else gets the caching headers only with the file,
	 * never on a 404.
	 */
	(void)snprintf(etag, sizeof(etag), "\"%s\"", sha);
	if (etag_matches(req, etag)) {
		(void)reply_cacheable(req, etag, MEDIA_CACHE, 0);
		return (KORE_RESULT_OK);
	}

	/* With a copy on disk the database need not send the bytes. */
	if (media_path(sha, path, sizeof(path)) && stat(path, &st) == 0) {
		params[0] = sha;
		return (db_call(req, ar, "SELECT content_type, size FROM "
		    "api.media_head($1)", 1, params, media_reply));
	}
	return (media_fetch(req, ar));
}

/* The whole file from the database, to copy to disk. */
static int
media_fetch(struct http_request *req, struct api_req *ar)
{
	const char	*params[1];

	params[0] = api_param(ar, 0);
	ar->binary = 1;
	return (db_call(req, ar, "SELECT content_type, bytes FROM "
	    "api.media_get($1)", 1, params, media_reply));
}

static int
media_reply(struct http_request *req, struct api_req *ar)
{
	const char	*sha, *ctype;
	char		path[PATH_MAX];
	size_t		size;
	int		fd;

	if (db_rows(ar) != 1) {
		reply_error(req, 404, "media_not_found", "No such file.", NULL);
		return (KORE_RESULT_OK);
	}
	sha = api_param(ar, 0);
	ctype = db_value(ar, 0, 0);
	if (!media_path(sha, path, sizeof(path)))
		fatal("media_reply: SG_VAR_DIR is too long");

	if (!ar->binary) {
		size = strtoull(db_value(ar, 0, 1), NULL, 10);
		if ((fd = media_open(path, size)) == -1)
			return (media_fetch(req, ar));	/* a bad copy */
	} else {
		/* Another request may have made the copy since media_get looked. */
		size = PQgetlength(ar->result, 0, 1);
		if ((fd = media_open(path, size)) != -1) {
			media_send(req, ctype, fd, size, NULL);
			return (KORE_RESULT_OK);
		}
		if (!media_copy_write(path, db_value(ar, 0, 1), size) ||
		    (fd = media_open(path, size)) == -1) {
			media_send(req, ctype, -1, size, db_value(ar, 0, 1));
			return (KORE_RESULT_OK);
		}
	}
	media_send(req, ctype, fd, size, NULL);
	return (KORE_RESULT_OK);
}

/*
 * The answer for the whole file or the range asked for: from fd, or from
 * bytes when there is no copy on disk (fd -1).
 */
static void
media_send(struct http_request *req, const char *ctype, int fd, size_t size,
    const void *bytes)
{
	const char	*hdr;
	size_t		start, end;
	char		range[96];
	int		r, status;

	media_headers(req, ctype);
	if (!http_request_header(req, "range", &hdr))
		hdr = NULL;
	if ((r = http_parse_range(hdr, size, &start, &end)) == -1) {
		if (fd != -1)
			(void)close(fd);
		(void)snprintf(range, sizeof(range), "bytes */%zu", size);
		http_response_header(req, "content-range", range);
		reply_encoded(req, 416, NULL, NULL, NULL, 0);
		return;
	}
	status = 206;
	if (r == 1) {
		(void)snprintf(range, sizeof(range), "bytes %zu-%zu/%zu",
		    start, end, size);
		http_response_header(req, "content-range", range);
	} else {
		status = 200;
		start = 0;
		end = size - 1;
	}
	if (fd == -1) {
		reply_encoded(req, status, ctype, NULL,
		    (const u_int8_t *)bytes + start, size ? end - start + 1 : 0);
		return;
	}
	media_stream_start(req, status, ctype, fd, start,
	    size ? end - start + 1 : 0, size);
}

static void
media_headers(struct http_request *req, const char *ctype)
{
	char		etag[80];

	(void)snprintf(etag, sizeof(etag), "\"%s\"",
	    api_param(reqctx_get(req), 0));
	(void)reply_cacheable(req, etag, MEDIA_CACHE, 0);
	http_response_header(req, "accept-ranges", "bytes");
	http_response_header(req, "content-security-policy",
	    "default-src 'none'; sandbox");
	if (strcmp(ctype, "application/pdf") && strncmp(ctype, "image/", 6))
		http_response_header(req, "content-disposition", "attachment");
}

static int
media_sha_valid(const char *sha)
{
	size_t		i;

	for (i = 0; sha[i] != '\0'; i++) {
		if (!((sha[i] >= '0' && sha[i] <= '9') ||
		    (sha[i] >= 'a' && sha[i] <= 'f')))
			return (0);
	}
	return (i == 64);
}

/* SG_VAR_DIR/media/<sha256>; the folder is made on first use. */
static int
media_path(const char *sha, char *out, size_t len)
{
	static int	made;
	int		n;

	n = snprintf(out, len, "%s/media", app_config.var_dir);
	if (n < 0 || (size_t)n >= len)
		return (0);
	if (!made) {
		if (mkdir(out, 0700) == -1 && errno != EEXIST)
			kore_log(LOG_ERR, "media: cannot make %s: %s", out,
			    errno_s);
		made = 1;
	}
	n = snprintf(out, len, "%s/media/%s", app_config.var_dir, sha);
	return (n >= 0 && (size_t)n < len);
}

/* The copy, opened, when it has the size the database says; else -1. */
static int
media_open(const char *path, size_t size)
{
	struct stat	st;
	int		fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size != size) {
		(void)close(fd);
		(void)unlink(path);
		return (-1);
	}
	return (fd);
}

/*
 * Writes the copy under a name of its own and renames it into place, so
 * that no reader ever opens a half-written file under the final name.
 */
static int
media_copy_write(const char *path, const void *bytes, size_t len)
{
	char		tmp[PATH_MAX];
	const u_int8_t	*p;
	ssize_t		n;
	int		fd, n2;

	n2 = snprintf(tmp, sizeof(tmp), "%s.%d.%08x", path, (int)getpid(),
	    randombytes_random());
	if (n2 < 0 || (size_t)n2 >= sizeof(tmp))
		return (0);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1) {
		kore_log(LOG_ERR, "media: cannot write a copy: %s", errno_s);
		return (0);
	}
	for (p = bytes; len > 0; p += n, len -= n) {
		if ((n = write(fd, p, len)) <= 0) {
			if (n == -1 && errno == EINTR) {
				n = 0;
				continue;
			}
			kore_log(LOG_ERR, "media: copy failed: %s", errno_s);
			(void)close(fd);
			(void)unlink(tmp);
			return (0);
		}
	}
	if (close(fd) == -1 || rename(tmp, path) == -1) {
		kore_log(LOG_ERR, "media: copy failed: %s", errno_s);
		(void)unlink(tmp);
		return (0);
	}
	return (1);
}

/*
 * Sends the head, with the length of the whole body, then the first chunk;
 * each chunk sent queues the next (media_stream_sent).
 */
static void
media_stream_start(struct http_request *req, int status, const char *ctype,
    int fd, size_t start, size_t len, size_t size)
{
	struct media_stream	*s;
	struct connection	*c;

	(void)size;
	c = req->owner;
	if (c == NULL || c->state == CONN_STATE_DISCONNECTING ||
	    len == 0 || req->method == HTTP_METHOD_HEAD) {
		(void)close(fd);
		reply_stream_head(req, status, ctype, len);
		return;
	}

	s = kore_malloc(sizeof(*s));
	s->c = c;
	s->fd = fd;
	s->off = start;
	s->end = start + len;
	s->gone = 0;

	/* Busy: Kore does not read the next request until the last chunk. */
	c->flags |= CONN_IS_BUSY;
	reply_stream_head(req, status, ctype, len);
	c->hdlr_extra = s;
	c->disconnect = media_stream_gone;
	if (!media_stream_next(s)) {
		media_stream_end(s, 0);
		kore_connection_disconnect(c);
	}
}

/* Reads and queues the next chunk; 0 when the file cannot be read. */
static int
media_stream_next(struct media_stream *s)
{
	struct netbuf		*nb;
	size_t			want;
	ssize_t			n;

	want = MIN((off_t)sizeof(s->buf), s->end - s->off);
	do {
		n = pread(s->fd, s->buf, want, s->off);
	} while (n == -1 && errno == EINTR);
	if (n <= 0) {
		kore_log(LOG_ERR, "media: read failed: %s",
		    n == 0 ? "file shrank" : errno_s);
		return (0);
	}
	s->off += n;
	net_send_stream(s->c, s->buf, n, media_stream_sent, &nb);
	nb->extra = s;
	return (1);
}

/*
 * Kore calls this when a chunk has been written, and when it drops the
 * connection with a chunk still queued (then the stream is gone).
 */
static int
media_stream_sent(struct netbuf *nb)
{
	struct media_stream	*s;

	s = nb->extra;
	if (s->gone) {
		(void)close(s->fd);
		kore_free(s);
		return (KORE_RESULT_OK);
	}
	if (s->off == s->end) {
		media_stream_end(s, 1);
		return (KORE_RESULT_OK);
	}
	if (!media_stream_next(s)) {
		/* The length was promised: only closing can tell the client. */
		media_stream_end(s, 0);
		kore_connection_disconnect(nb->owner);
	}
	return (KORE_RESULT_OK);
}

/* Kore is dropping the connection; the queued chunk frees the stream. */
static void
media_stream_gone(struct connection *c)
{
	struct media_stream	*s;

	s = c->hdlr_extra;
	c->hdlr_extra = NULL;	/* Kore would free it with the connection */
	c->disconnect = NULL;
	if (s != NULL)
		s->gone = 1;
}

/* The last chunk is out (done) or the stream failed: back to HTTP. */
static void
media_stream_end(struct media_stream *s, int done)
{
	struct connection	*c;

	c = s->c;
	c->hdlr_extra = NULL;
	c->disconnect = NULL;
	c->flags &= ~CONN_IS_BUSY;
	(void)close(s->fd);
	kore_free(s);
	/* Connection: close (or HTTP/1.0): Kore closes once the queue empties. */
	if (done && !(c->flags & CONN_CLOSE_EMPTY))
		http_start_recv(c);
}
