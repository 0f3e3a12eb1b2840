/*
 * Start-up: configuration from the environment, the database, keys, and the
 * system calls the libraries we link need beyond Kore's sandbox.
 *
 * Configuration (all optional but DATABASE_URL):
 *   DATABASE_URL      libpq URL or keyword string of the PostgreSQL server
 *   REPORTS_DATABASE_URL  where report queries go (a read replica);
 *                     DATABASE_URL when unset (reports.c, docs/reports.md)
 *   SG_VAR_DIR        where generated secrets and the copies of media
 *                     files (media.c) live (default ./var)
 *   SG_PUBLIC_ORIGIN  the origin browsers use, for CSRF checks
 *                     (default http://127.0.0.1:8888)
 *   SG_JWT_KEYS       signing keys "kid:base64,kid:base64" (first signs);
 *                     else read from SG_VAR_DIR/keys/jwt
 *   SG_TRUST_PROXY    1 when a reverse proxy in front sets X-Forwarded-For;
 *                     its last address is then the client's (throttling)
 *   SG_JOBS_*         the job runner's settings (jobs.c, docs/jobs.md)
 */

#include <sys/types.h>

#include <kore/hooks.h>
#include <kore/seccomp.h>

#include <libxml/parser.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "platform.h"
#include "jobs.h"
#include "password.h"
#include "assets.h"
#include "cert_issue.h"
#include "verifycache.h"
#include "reports.h"

struct app_config	app_config;

void	app_init(int);
int	session_keys_load(void);
int	pages_init(void);
void	parent_signals_install(void);

/*
 * Kore 4.1's allow-list predates bookworm's glibc and the libraries below.
 * Each entry says who needs it.
 */
KORE_SECCOMP_FILTER("app",
	/* glibc's stat() family on bookworm (fopen of key files, libpq). */
	KORE_SYSCALL_ALLOW(newfstatat),
	KORE_SYSCALL_ALLOW(getdents64),
	/* libsodium's randombytes and argon2id's large allocations. */
	KORE_SYSCALL_ALLOW(getrandom),
	KORE_SYSCALL_ALLOW(mremap),
	KORE_SYSCALL_ALLOW(madvise),
	/* libpq: reconnects (PQreset) and its socket options. */
	KORE_SYSCALL_ALLOW(setsockopt),
	KORE_SYSCALL_ALLOW(poll),
	KORE_SYSCALL_ALLOW(getpeername),
	KORE_SYSCALL_ALLOW(uname),
	/* glibc's resolver, when DATABASE_URL names a host. */
	KORE_SYSCALL_ALLOW(sendmmsg),
	KORE_SYSCALL_ALLOW(recvfrom),
	/* Kore task threads (password hashing off the event loop). */
	KORE_SYSCALL_ALLOW(clone3),
	KORE_SYSCALL_ALLOW(gettid),
	KORE_SYSCALL_ALLOW(rseq),
	KORE_SYSCALL_ALLOW(set_robust_list),
	/* The test job kinds record their server (jobs_testkinds.c). */
	KORE_SYSCALL_ALLOW(getppid),
	/* media.c: its copies of media files on disk, streamed in chunks. */
	KORE_SYSCALL_ALLOW(mkdir),
	KORE_SYSCALL_ALLOW(rename),
	KORE_SYSCALL_ALLOW(pread64),
	/*
	 * The certificate renderer (cert_pdf.c, on task threads): fontconfig
	 * checks the file system of its cache and font files (fstatfs) and
	 * advises the kernel on reading them (fadvise64); glib names the
	 * threads Pango starts (prctl PR_SET_NAME) and sizes its pools from
	 * the memory installed (sysinfo).
	 */
	KORE_SYSCALL_ALLOW(fstatfs),
	KORE_SYSCALL_ALLOW(fadvise64),
	KORE_SYSCALL_ALLOW(prctl),
	KORE_SYSCALL_ALLOW(sysinfo),
	/* Sanitizer runtimes in the test flavor. */
	KORE_SYSCALL_ALLOW(sched_getaffinity),
	KORE_SYSCALL_ALLOW(sigaltstack),
	KORE_SYSCALL_ALLOW(prlimit64),
	KORE_SYSCALL_ALLOW(readlink),
);

/*
 * The parent, before it forks the workers: memory they all share. Without
 * the public cache's counter the cache would stay off, silently slower.
 * Its signal handling keeps a stop signal to the group (src/signals.c).
 */
void
kore_parent_configure(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (!pubcache_shared_init())
		fatal("could not map the public cache's shared counter");
	if (!verifycache_shared_init())
		fatal("could not map the verification cache's shared table");
	parent_signals_install();
}

/*
 * A worker leaves without Kore's own clean-up, once it has handed its
 * running jobs back. Kore 4.1 frees its memory
 * while task threads still wait on their condition variables, and those
 * threads then touch freed memory (or a destroyed condvar hangs the exit).
 * Nothing is left to flush by now: the event loop has stopped.
 */
void
kore_worker_teardown(void)
{
	jobs_stop();
	(void)fflush(stdout);
	(void)fflush(stderr);
	_exit(0);
}

static const char *
env_or(const char *name, const char *fallback)
{
	const char	*v;

	if ((v = getenv(name)) == NULL || *v == '\0')
		return (fallback);
	return (v);
}

void
app_init(int state)
{
	const char	*url;

	if (state != KORE_MODULE_LOAD)
		return;

	if (sodium_init() == -1)
		fatal("libsodium failed to initialise");
	/* Before any task thread parses a Moodle XML file (quiz_banks.c):
	 * libxml2 must be initialised once, from one thread. */
	xmlInitParser();

	app_config.var_dir = env_or("SG_VAR_DIR", "var");
	app_config.public_origin = env_or("SG_PUBLIC_ORIGIN",
	    "http://127.0.0.1:8888");
	app_config.trust_proxy = !strcmp(env_or("SG_TRUST_PROXY", "0"), "1");
	app_config.secure_cookies =
	    !strncmp(app_config.public_origin, "https://", 8);

	if ((url = getenv("DATABASE_URL")) == NULL || *url == '\0')
		fatal("DATABASE_URL is not set (make run sets it for you)");
	if (!db_init(url))
		fatal("DATABASE_URL is not a usable PostgreSQL address");
	if (!reports_init(env_or("REPORTS_DATABASE_URL", url)))
		fatal("REPORTS_DATABASE_URL is not a usable PostgreSQL address");

	if (!session_keys_load())
		fatal("no JWT signing key: set SG_JWT_KEYS or run make keys");
	if (!password_common_load((const char *)asset_common_passwords_txt,
	    asset_len_common_passwords_txt))
		fatal("the list of common passwords could not be loaded");
	/* Before the event loop runs: it costs a whole argon2id hash. */
	if (!password_dummy_init())
		fatal("the sign-in dummy hash could not be made");
	if (!pages_init())
		fatal("the browser pages could not be prepared");
	/* Fonts and a first render, and the Open Badges keys (cert_ob3.c). */
	if (!certificates_init())
		fatal("certificates cannot be issued: see the line above");
	/* Kore's connection timers run only when its loop wakes. */
	conn_timers_start();
	/* One limit for uploads, here rather than in every conf (platform.h). */
	http_body_max = HTTP_BODY_MAX;

	jobs_configure();
	jobs_start();
}
