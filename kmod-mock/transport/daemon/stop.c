// SPDX-License-Identifier: MIT
/*
 * stop.c - how the daemon stops on SIGTERM, SIGINT and SIGHUP: a thread of
 * their own takes them, wakes the serve loop and, if the work in hand does not
 * come back, ends the daemon after a grace period.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "mockd.h"

_Atomic int stop_signal; /* set by stop_watch */

/*
 * ---- stop signals ----
 *
 * SIGTERM, SIGINT and SIGHUP are blocked in every thread and taken by a
 * thread of their own (stop_watch), so one is answered in every state of the
 * loop: it sets stop_signal and wakes ppoll() with SIGWAKE (unblocked only
 * there), and the loop stops after the work in hand. Work that does not come
 * back (a syscall only a fatal signal ends: a client's userfaultfd page, a
 * FUSE file) must not keep the daemon from stopping: after STOP_GRACE_S the
 * thread ends the daemon with status 1.
 */
#define SIGWAKE SIGUSR1
#define STOP_GRACE_S 2

static pthread_t loop_thread;
static pthread_mutex_t stop_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t stop_cond = PTHREAD_COND_INITIALIZER;
static bool loop_done;

static void on_wake(int sig)
{
	(void)sig;
}

void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

static void *stop_watch(void *arg)
{
	struct timespec dl;
	sigset_t set;
	int sig = 0, rc = 0;

	(void)arg;
	stop_signals(&set);
	while (sigwait(&set, &sig))
		;
	stop_signal = sig;
	pthread_kill(loop_thread, SIGWAKE);
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += STOP_GRACE_S;
	pthread_mutex_lock(&stop_lock);
	while (!loop_done && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&stop_cond, &stop_lock, &dl);
	pthread_mutex_unlock(&stop_lock);
	if (rc == ETIMEDOUT) {
		static const char msg[] = "iommufd-mockd: a call did not return; stopped anyway\n";
		ssize_t n = write(STDERR_FILENO, msg, sizeof(msg) - 1);

		(void)n;
		_exit(1);
	}
	return NULL;
}

/* Before the loop: block the stop signals everywhere and start their thread. */
int stop_watch_start(void)
{
	struct sigaction sa = { .sa_handler = on_wake };
	pthread_t th;
	sigset_t set;
	int err;

	stop_signals(&set);
	sigaddset(&set, SIGWAKE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	sigaction(SIGWAKE, &sa, NULL);
	loop_thread = pthread_self();
	err = pthread_create(&th, NULL, stop_watch, NULL);
	if (err)
		return -err;
	pthread_detach(th);
	return 0;
}

/* After the loop: a stop in progress need not wait any longer. */
void stop_watch_loop_done(void)
{
	pthread_mutex_lock(&stop_lock);
	loop_done = true;
	pthread_cond_signal(&stop_cond);
	pthread_mutex_unlock(&stop_lock);
}
