// SPDX-License-Identifier: MIT
/*
 * mockd.c - iommufd-mockd, the process that plays the kernel for kmod-mock.
 *
 * It owns one struct mock_kernel and serves it over the protocol of proto.h:
 * a single-threaded poll loop (here) over the listening socket, the control
 * connections of client threads (conn.c; each readable one is served a
 * request by request.c) and the daemon ends ("D") of every mock file
 * (files.c), and the pidfds of processes holding mappings (mappings.c). The
 * core serialises nothing itself, so one thread here is the serialisation.
 *
 * The caller's pid and uid come from the credentials the kernel attaches to
 * each request (SCM_CREDENTIALS), never from the request; a connection
 * serves only the process that made it, and acts only on files that process
 * has shown it holds (doc/reliability.md, "Trust model"). The core reaches
 * the caller's memory by pid; the daemon never touches it.
 *
 * This file: the options, detaching, the poll loop and the teardown. stop.c
 * says how a stop signal ends the loop; mockd.h is private to the daemon.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mockd.h"

#ifndef MOCK_VERSION
#define MOCK_VERSION "unknown"
#endif

/* How long a daemon started with --exit-when-idle waits for its first client. */
#define FIRST_CLIENT_TIMEOUT_MS 30000

struct mock_kernel *kern;

void warn_errno(const char *what, int err)
{
	fprintf(stderr, "iommufd-mockd: %s: %s\n", what, strerror(err));
}

int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void *p;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	while (ncap < need)
		ncap *= 2;
	p = reallocarray(*arr, ncap, elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

static int serve_loop(int lfd, bool exit_when_idle)
{
	struct pollfd *pfd = NULL;
	size_t cap_pfd = 0;
	bool had_client = false;
	sigset_t wake;

	stop_signals(&wake); /* in ppoll(): still blocked, and SIGWAKE not */
	while (!stop_signal) {
		size_t nc = nr_conns, nf = nr_files, np = nr_procs, n = 1 + 2 * nc + nf + np;
		struct timespec ts = { FIRST_CLIENT_TIMEOUT_MS / 1000, 0 };
		struct pollfd *pc = pfd + 1, *pf, *pp, *pk;
		int r;

		if (exit_when_idle && had_client && nr_conns == 0 && nr_files == 0)
			break;
		if (grow((void **)&pfd, &cap_pfd, n, sizeof(*pfd))) {
			warn_errno("poll set", ENOMEM);
			free(pfd);
			return 1;
		}
		pc = pfd + 1;
		pf = pc + nc;
		pp = pf + nf;
		pk = pp + np;
		pfd[0] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		for (size_t i = 0; i < nc; i++)
			pc[i] = (struct pollfd){ .fd = conns[i].fd, .events = POLLIN };
		for (size_t i = 0; i < nf; i++)
			pf[i] = (struct pollfd){ .fd = files[i].dfd, .events = POLLIN };
		for (size_t i = 0; i < np; i++)
			pp[i] = (struct pollfd){ .fd = procs[i].pidfd, .events = POLLIN };
		/* The process a connection serves has exited: what is left in it is nobody's. */
		for (size_t i = 0; i < nc; i++)
			pk[i] = (struct pollfd){ .fd = conns[i].pidfd, .events = POLLIN };

		r = ppoll(pfd, n, exit_when_idle && !had_client ? &ts : NULL, &wake);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			warn_errno("poll", errno);
			free(pfd);
			return 1;
		}
		if (r == 0)
			break; /* nobody came */

		/*
		 * Closes and exits first: one that happened before a client sent its
		 * request is seen by the same poll pass (the states are levels), and
		 * must be, as a kernel's last fput runs before close() returns.
		 * Walk backwards: the drops move the last entry into the hole.
		 */
		for (size_t i = nf; i-- > 0;)
			if (pf[i].revents)
				file_event(i, pf[i].revents);
		for (size_t i = np; i-- > 0;)
			if (pp[i].revents)
				proc_drop(i);

		for (size_t i = nc; i-- > 0;) {
			short rev = pc[i].revents;

			if (pk[i].revents) {
				conn_drop(i);
			} else if (rev & POLLIN) {
				if (!serve(&conns[i]))
					conn_drop(i);
			} else if (rev & (POLLHUP | POLLERR | POLLNVAL)) {
				conn_drop(i);
			}
		}
		if (pfd[0].revents & POLLIN)
			accept_conns(lfd, &had_client);
	}
	free(pfd);
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: iommufd-mockd [OPTION]...\n"
		"Serve the kmod-mock user-space iommufd kernel to programs running with\n"
		"libiommufd-mock.so (see iommufd-mock-run).\n"
		"\n"
		"  --socket NAME     listen on the abstract Unix socket @NAME (default: a fresh\n"
		"                    name, printed on standard output)\n"
		"  --ready-fd N      write one byte to fd N and close it once accepting clients\n"
		"  --exit-when-idle  exit when the last client and the last mock file are gone\n"
		"  --foreground      do not detach\n"
		"  --help            show this help\n"
		"  --version         show the version\n"
		"\n"
		"Environment: " MOCK_ENV_DEVICES " describes the machine's VFIO devices\n"
		"(default: one edu device behind Intel VT-d; empty: none); see\n"
		"iommufd-mock-run --help and doc/mock-devices.md. " MOCK_ENV_KERNEL " names\n"
		"the Linux release whose iommufd it presents (6.6, 6.8, 6.12, 6.15, 7.3;\n"
		"default 7.3).\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "ready-fd", required_argument, NULL, 'r' },
		{ "exit-when-idle", no_argument, NULL, 'i' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char cfg_err[256] = "";
	struct mock_kernel_config cfg = {
		.sz = sizeof(cfg),
		.devices = getenv(MOCK_ENV_DEVICES),
		.kernel = getenv(MOCK_ENV_KERNEL),
		.err = cfg_err,
		.err_len = sizeof(cfg_err),
	};
	char namebuf[MOCK_SOCKET_NAME_MAX + 1];
	const char *name = NULL;
	bool exit_when_idle = false, foreground = false, print_name = false;
	int ready_fd = -1, detach_fd = -1, lfd, opt, err, rc;
	sigset_t block;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			name = optarg;
			break;
		case 'r': {
			char *end;
			long v;

			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || v < 0 || v > INT_MAX ||
			    fcntl((int)v, F_GETFD) < 0) {
				fprintf(stderr, "iommufd-mockd: bad --ready-fd '%s'\n", optarg);
				return 2;
			}
			ready_fd = (int)v;
			fcntl(ready_fd, F_SETFD, FD_CLOEXEC);
			break;
		}
		case 'i':
			exit_when_idle = true;
			break;
		case 'f':
			foreground = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("iommufd-mockd %s\n", MOCK_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (!name) {
		mock_proto_make_name(namebuf, sizeof(namebuf));
		name = namebuf;
		print_name = true;
	}

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, NULL); /* until stop_watch takes them */

	lfd = listen_on(name);
	if (lfd < 0)
		return 1;
	err = mock_kernel_new(&cfg, &kern);
	if (err) {
		if (cfg_err[0])
			fprintf(stderr, "iommufd-mockd: %s\n", cfg_err);
		else
			warn_errno("cannot create the mock kernel", -err);
		return 1;
	}
	mock_kernel_set_fget(kern, fget_by_proc, NULL);
	mock_kernel_set_notify(kern, on_notify, NULL);

	if (!foreground) {
		int p[2];
		pid_t pid;
		char c;

		if (pipe2(p, O_CLOEXEC)) {
			warn_errno("pipe", errno);
			return 1;
		}
		fflush(stdout);
		pid = fork();
		if (pid < 0) {
			warn_errno("fork", errno);
			return 1;
		}
		if (pid > 0) {
			/* Exit only once the detached daemon is up, so callers can rely on it. */
			close(p[1]);
			if (read(p[0], &c, 1) != 1)
				return 1;
			if (print_name)
				printf("%s\n", name);
			return 0;
		}
		close(p[0]);
		detach_fd = p[1];
		setsid();
	} else if (print_name) {
		printf("%s\n", name);
		fflush(stdout);
	}
	if (!foreground) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			close(null);
		}
	}
	if (ready_fd >= 0) {
		if (write(ready_fd, "R", 1) != 1)
			warn_errno("ready fd", errno);
		close(ready_fd);
	}
	if (detach_fd >= 0) {
		if (write(detach_fd, "R", 1) != 1)
			warn_errno("detach pipe", errno);
		close(detach_fd);
	}

	err = stop_watch_start();
	if (err) {
		warn_errno("stop signal thread", -err);
		return 1;
	}
	rc = serve_loop(lfd, exit_when_idle);
	stop_watch_loop_done();

	listen_close(lfd);
	while (nr_conns)
		conn_drop(nr_conns - 1);
	while (nr_procs)
		proc_drop(nr_procs - 1);
	while (nr_files)
		file_drop(nr_files - 1);
	mock_kernel_free(kern);
	free(conns);
	free(files);
	free(procs);
	return rc;
}
