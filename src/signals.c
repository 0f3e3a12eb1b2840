/*
 * One signal to the whole process group stops the server.
 *
 * A terminal's Ctrl-C sends SIGINT, and systemd's KillMode=control-group
 * SIGTERM, to the parent and its workers at once. Kore 4.1's parent keeps
 * the last signal in one variable, sig_recv, that its loop reads once a
 * turn, and its handler overwrites it. The workers stop on the signal too,
 * and their SIGCHLDs (with seccomp_tracing, those of their signal-delivery
 * stops first) land before the loop has looked: the SIGINT or SIGTERM is
 * lost, the parent reaps its workers and stays up, holding the port.
 *
 * So the parent's handler latches the first stop signal and puts it back
 * in sig_recv whatever arrives after. Nothing is lost by not handing a
 * later SIGCHLD to the loop: once it sees the stop signal it passes it on
 * to the workers and waits for each of them (kore_worker_shutdown).
 * The other way, workers that ignore a signal unless the parent sent it,
 * would leave the parent as fragile as before: any SIGCHLD (a worker dying
 * at the wrong moment) could still overwrite a stop. The handler is
 * installed from kore_parent_configure, which runs after Kore's own
 * kore_signal_setup; each worker installs Kore's again after the fork.
 */

#include <sys/types.h>

#include <kore/kore.h>

#include <signal.h>
#include <string.h>

void	parent_signals_install(void);

static volatile sig_atomic_t	stop_sig;

static void
parent_signal(int sig)
{
	if (stop_sig == 0 &&
	    (sig == SIGINT || sig == SIGQUIT || sig == SIGTERM))
		stop_sig = sig;
	sig_recv = stop_sig != 0 ? stop_sig : sig;
}

/*
 * Every signal Kore's parent handles goes through parent_signal: any of
 * them could otherwise overwrite a latched stop. SIGINT is left alone when
 * Kore ignores it (not in the foreground).
 */
void
parent_signals_install(void)
{
	static const int	sigs[] = {
		SIGHUP, SIGQUIT, SIGTERM, SIGUSR1, SIGCHLD, SIGINT
	};
	struct sigaction	sa, old;
	size_t			i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = parent_signal;
	if (sigfillset(&sa.sa_mask) == -1)
		fatal("sigfillset: %s", errno_s);

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (sigaction(sigs[i], NULL, &old) == -1)
			fatal("sigaction: %s", errno_s);
		if (old.sa_handler == SIG_IGN)
			continue;
		if (sigaction(sigs[i], &sa, NULL) == -1)
			fatal("sigaction: %s", errno_s);
	}
}
