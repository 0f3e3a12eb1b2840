/*
 * The mail_send job (docs/mail.md, docs/jobs.md): hands one mail of the
 * outbox (mail_outbox) to the mail server, or, with no SMTP_URL set,
 * writes it to SG_MAIL_DIR (var/mail/) as <id>.eml for a newcomer to read.
 *
 * Steps: mail.send_begin counts the attempt and gives the mail while it is
 * still queued (a sent mail gives nothing: the job is done); the message is
 * built and sent on a Kore task thread, because libcurl's SMTP transfer
 * blocks (curl_easy_perform) and the event loop must not; mail.send_end
 * records sent, or the error, after which the runner retries with backoff
 * (job_fail) until the job's last attempt marks the mail failed.
 *
 * Why a task thread and not curl's multi interface on Kore's event loop:
 * the runner already drives blocking steps through task threads (the
 * certificate PDF), with leases renewed from the loop meanwhile, and a
 * mail is one short transfer with time limits (MAIL_CONNECT_S, MAIL_TOTAL_S)
 * that bound how long it holds a thread. The price: a worker has
 * task_threads (2) threads, shared with password hashing, so a mail server
 * that answers slowly delays sign-ins of that worker by up to a transfer's
 * limit while two mails wait on it.
 *
 * Never twice: the job's lease (jobs.claim) keeps every other runner away
 * while this one works, the dedupe key gives one job per mail, and
 * send_begin gives nothing once the mail is recorded sent. What remains is
 * the window between the server's "250 OK" and mail.send_end's commit: a
 * worker that dies there leaves the mail queued, and the job's next
 * attempt (after its lease runs out) sends it again. SMTP has no way to
 * close that window; the Message-ID, the same on both, lets a client tell
 * the copies apart.
 *
 * The task thread touches only the job's own mail_work, libc's allocator,
 * libcurl and libsodium's randombytes, and the settings read at start.
 */

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "platform.h"
#include "jobs.h"
#include "mail.h"
#include "mail_mime.h"

#define MAIL_CONNECT_S		10
#define MAIL_TOTAL_S		60
#define MAIL_ERROR_MAX		256
#define MAIL_FROM_DEFAULT	"Safeguard Learn <no-reply@localhost>"

/* Settings, read once in each worker (mail_init). */
static struct {
	const char	*url;		/* NULL: write .eml files */
	const char	*user;
	const char	*password;
	const char	*from;
	char		 from_addr[MAIL_ADDR_MAX + 1];
	const char	*from_domain;
	char		 dir[1024];
} mail_cfg;

/* The columns of mail.send_begin, in order. */
enum { MW_TO, MW_SUBJECT, MW_TEXT, MW_HTML, MW_SECRET, MW_NFIELDS };

struct mail_work {
	char	 id[24];
	char	*field[MW_NFIELDS];	/* NULL for SQL NULL */
	char	 error[MAIL_ERROR_MAX];	/* "" when it went */
};

struct mail_upload {
	const char	*data;
	size_t		 len;
	size_t		 off;
};

static int	mail_loaded(struct job *);
static int	mail_deliver(struct job *);
static int	mail_record(struct job *);
static int	mail_retry(struct job *);
static char	*mail_message(struct mail_work *, size_t *);
static void	mail_smtp(struct mail_work *, const char *, size_t);
static void	mail_file(struct mail_work *, const char *, size_t);
static size_t	mail_read(char *, size_t, size_t, void *);
static void	mail_work_free(void *);

/*
 * Reads SMTP_URL, SMTP_USER, SMTP_PASSWORD, SG_MAIL_FROM and SG_MAIL_DIR.
 * A setting that cannot work stops the server: mail that silently goes
 * nowhere is found out weeks later.
 */
void
mail_init(void)
{
	const char	*v, *at;
	int		 n;

	v = getenv("SMTP_URL");
	if (v != NULL && *v != '\0') {
		if (strncmp(v, "smtp://", 7) && strncmp(v, "smtps://", 8))
			fatal("SMTP_URL must start with smtp:// or smtps://");
		mail_cfg.url = v;
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			fatal("libcurl could not be initialised");
	}
	if ((v = getenv("SMTP_USER")) != NULL && *v != '\0')
		mail_cfg.user = v;
	if ((v = getenv("SMTP_PASSWORD")) != NULL && *v != '\0')
		mail_cfg.password = v;

	if ((v = getenv("SG_MAIL_FROM")) == NULL || *v == '\0')
		v = MAIL_FROM_DEFAULT;
	mail_cfg.from = v;
	if (!mail_addr_spec(v, mail_cfg.from_addr, sizeof(mail_cfg.from_addr)))
		fatal("SG_MAIL_FROM must be an address, or a name and <address>, "
		    "in ASCII");
	at = strchr(mail_cfg.from_addr, '@');
	mail_cfg.from_domain = at + 1;

	if ((v = getenv("SG_MAIL_DIR")) != NULL && *v != '\0')
		n = snprintf(mail_cfg.dir, sizeof(mail_cfg.dir), "%s", v);
	else
		n = snprintf(mail_cfg.dir, sizeof(mail_cfg.dir), "%s/mail",
		    app_config.var_dir);
	if (n < 0 || (size_t)n >= sizeof(mail_cfg.dir))
		fatal("SG_MAIL_DIR is too long");
}

/* The job: payload {"mail_id": N}. */
int
mail_send_job(struct job *j)
{
	struct mail_work	*w;
	json_t			*id;
	const char		*params[1];

	id = json_object_get(j->payload, "mail_id");
	if (!json_is_integer(id) || json_integer_value(id) <= 0)
		return (job_fail(j, "mail_send: no mail_id"));
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return (job_fail(j, "mail_send: out of memory"));
	(void)snprintf(w->id, sizeof(w->id), "%" JSON_INTEGER_FORMAT,
	    json_integer_value(id));
	j->data = w;
	j->data_free = mail_work_free;
	params[0] = w->id;
	return (job_sql(j, "SELECT to_address, subject, body_text, body_html, "
	    "secret FROM mail.send_begin($1)", 1, params, mail_loaded));
}

static int
mail_loaded(struct job *j)
{
	struct mail_work	*w = j->data;
	int			 i;

	/* Sent already (or failed for good): nothing to do, ever. */
	if (job_rows(j) != 1)
		return (JOB_DONE);
	for (i = 0; i < MW_NFIELDS; i++) {
		if (PQgetisnull(j->op.result, 0, i))
			continue;
		if ((w->field[i] = strdup(job_value(j, 0, i))) == NULL)
			return (job_fail(j, "mail_send: out of memory"));
	}
	return (job_task(j, mail_deliver, mail_record));
}

/* On a task thread. Always JOB_DONE: mail_record records what happened. */
static int
mail_deliver(struct job *j)
{
	struct mail_work	*w = j->data;
	char			*msg;
	size_t			 len;

	if (!mail_addr_ok(w->field[MW_TO])) {
		(void)snprintf(w->error, sizeof(w->error),
		    "the address is not usable");
		return (JOB_DONE);
	}
	if ((msg = mail_message(w, &len)) == NULL) {
		(void)snprintf(w->error, sizeof(w->error),
		    "the message could not be built");
		return (JOB_DONE);
	}
	if (mail_cfg.url != NULL)
		mail_smtp(w, msg, len);
	else
		mail_file(w, msg, len);
	sodium_memzero(msg, len);
	free(msg);
	return (JOB_DONE);
}

/* Back on the event loop. */
static int
mail_record(struct job *j)
{
	struct mail_work	*w = j->data;
	const char		*params[3];

	params[0] = w->id;
	params[1] = j->id_text;
	params[2] = w->error[0] != '\0' ? w->error : NULL;
	return (job_sql(j, "SELECT mail.send_end($1, $2, $3)", 3, params,
	    w->error[0] != '\0' ? mail_retry : NULL));
}

/* The error is the mail server's or ours, never the address. */
static int
mail_retry(struct job *j)
{
	struct mail_work	*w = j->data;

	return (job_fail(j, "mail_send: mail %s: %s", w->id, w->error));
}

/* The message, placeholders filled: malloc'd, or NULL. */
static char *
mail_message(struct mail_work *w, size_t *len)
{
	struct mail_msg	 m;
	unsigned char	 rnd[16];
	char		 hex[33], mid[160], boundary[48];
	char		*text, *html, *msg;

	randombytes_buf(rnd, sizeof(rnd));
	(void)sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
	(void)snprintf(mid, sizeof(mid), "<%s.%s@%s>", w->id, hex,
	    mail_cfg.from_domain);
	(void)snprintf(boundary, sizeof(boundary), "=_sg_%s", hex);

	text = mail_fill(w->field[MW_TEXT], app_config.public_origin,
	    w->field[MW_SECRET]);
	html = mail_fill(w->field[MW_HTML], app_config.public_origin,
	    w->field[MW_SECRET]);
	msg = NULL;
	if (text != NULL && html != NULL) {
		memset(&m, 0, sizeof(m));
		m.from = mail_cfg.from;
		m.to = w->field[MW_TO];
		m.subject = w->field[MW_SUBJECT];
		m.text = text;
		m.html = html;
		m.message_id = mid;
		m.boundary = boundary;
		m.date = time(NULL);
		msg = mail_mime_build(&m, len);
	}
	free(text);
	free(html);
	return (msg);
}

static size_t
mail_read(char *buf, size_t size, size_t nitems, void *arg)
{
	struct mail_upload	*u = arg;
	size_t			 n;

	n = size * nitems;
	if (n > u->len - u->off)
		n = u->len - u->off;
	memcpy(buf, u->data + u->off, n);
	u->off += n;
	return (n);
}

static void
mail_smtp(struct mail_work *w, const char *msg, size_t len)
{
	struct mail_upload	 up;
	struct curl_slist	*rcpt;
	CURL			*curl;
	CURLcode		 rc;
	long			 code;
	char			 to[MAIL_ADDR_MAX + 3];

	if ((curl = curl_easy_init()) == NULL) {
		(void)snprintf(w->error, sizeof(w->error), "curl_easy_init");
		return;
	}
	(void)snprintf(to, sizeof(to), "<%s>", w->field[MW_TO]);
	rcpt = curl_slist_append(NULL, to);
	up.data = msg;
	up.len = len;
	up.off = 0;

	(void)curl_easy_setopt(curl, CURLOPT_URL, mail_cfg.url);
	(void)curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	if (mail_cfg.user != NULL)
		(void)curl_easy_setopt(curl, CURLOPT_USERNAME, mail_cfg.user);
	if (mail_cfg.password != NULL)
		(void)curl_easy_setopt(curl, CURLOPT_PASSWORD,
		    mail_cfg.password);
	/*
	 * smtp://: STARTTLS when the server offers it, and required when
	 * there is a password to protect (a server that does not offer it
	 * then gets no mail, rather than the password in clear).
	 */
	(void)curl_easy_setopt(curl, CURLOPT_USE_SSL,
	    mail_cfg.password != NULL || strchr(mail_cfg.url + 7, '@') != NULL ?
	    (long)CURLUSESSL_ALL : (long)CURLUSESSL_TRY);
	(void)curl_easy_setopt(curl, CURLOPT_MAIL_FROM, mail_cfg.from_addr);
	(void)curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
	(void)curl_easy_setopt(curl, CURLOPT_READFUNCTION, mail_read);
	(void)curl_easy_setopt(curl, CURLOPT_READDATA, &up);
	(void)curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	(void)curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	(void)curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, (long)MAIL_CONNECT_S);
	(void)curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)MAIL_TOTAL_S);

	if (rcpt == NULL) {
		(void)snprintf(w->error, sizeof(w->error), "out of memory");
	} else if ((rc = curl_easy_perform(curl)) != CURLE_OK) {
		code = 0;
		(void)curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
		(void)snprintf(w->error, sizeof(w->error), "smtp: %s (reply %ld)",
		    curl_easy_strerror(rc), code);
	}
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(curl);
}

/*
 * SG_MAIL_DIR/<id>.eml, written whole under another name and renamed, so
 * a reader never sees half a mail. A run again writes the same file.
 */
static void
mail_file(struct mail_work *w, const char *msg, size_t len)
{
	char	 path[1100], tmp[1100];
	ssize_t	 n;
	size_t	 off;
	int	 fd;

	if (mkdir(mail_cfg.dir, 0700) == -1 && errno != EEXIST) {
		(void)snprintf(w->error, sizeof(w->error), "SG_MAIL_DIR: mkdir: %s", strerror(errno));
		return;
	}
	(void)snprintf(path, sizeof(path), "%s/%s.eml", mail_cfg.dir, w->id);
	(void)snprintf(tmp, sizeof(tmp), "%s/.%s.eml.tmp", mail_cfg.dir, w->id);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1) {
		(void)snprintf(w->error, sizeof(w->error), "SG_MAIL_DIR: open: %s", strerror(errno));
		return;
	}
	for (off = 0; off < len; off += (size_t)n) {
		if ((n = write(fd, msg + off, len - off)) == -1) {
			if (errno == EINTR) {
				n = 0;
				continue;
			}
			break;
		}
	}
	if (close(fd) == -1 || off < len || rename(tmp, path) == -1) {
		(void)snprintf(w->error, sizeof(w->error), "SG_MAIL_DIR: write: %s", strerror(errno));
		(void)unlink(tmp);
	}
}

static void
mail_work_free(void *p)
{
	struct mail_work	*w = p;
	int			 i;

	for (i = 0; i < MW_NFIELDS; i++) {
		if (w->field[i] != NULL && i == MW_SECRET)
			sodium_memzero(w->field[i], strlen(w->field[i]));
		free(w->field[i]);
	}
	free(w);
}
