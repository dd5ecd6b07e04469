/* The network helper (pasta or slirp4netns) attaches to the child's network namespace after
 * the child is cloned, while the id maps are written (joining a user namespace needs no map:
 * it is ours), and the child is released once it is ready, so the workload's first connect
 * already has a network; the port forwarder (forward.c) starts beside it. Both run as our children
 * with PDEATHSIG, so they cannot outlive the launcher however that ends, and the supervisor
 * stops them when the container ends.
 * Readiness is one mechanism for both: the helper writes to @READY_FD@ (slirp4netns
 * --ready-fd, pasta -P /proc/self/fd/@READY_FD@ which receives its pid once configured). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "launcher.h"

#define READY_TIMEOUT_MS 10000

static char *substitute(const char *arg, pid_t child, int ready_fd)
{
	char out[4096];
	size_t o = 0;
	for (const char *s = arg; *s && o < sizeof(out) - 16;) {
		if (strncmp(s, "@PID@", 5) == 0) {
			o += (size_t)snprintf(out + o, sizeof(out) - o, "%d", (int)child);
			s += 5;
		} else if (strncmp(s, "@READY_FD@", 10) == 0) {
			o += (size_t)snprintf(out + o, sizeof(out) - o, "%d", ready_fd);
			s += 10;
		} else {
			out[o++] = *s++;
		}
	}
	out[o] = '\0';
	return strdup(out);
}

/* The helper's reason, as one line: the first line of its stderr that is not pasta's
 * complaint about a missing syslog. */
static void first_line(int fd, char *msg, size_t len)
{
	char buf[1024];
	ssize_t k = read(fd, buf, sizeof(buf) - 1);
	buf[k > 0 ? k : 0] = '\0';
	msg[0] = '\0';
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		if (!strstr(line, "to syslog")) {
			snprintf(msg, len, "%s", line);
			return;
		}
	}
}

/* Forks one helper into slot and runs body in it (exec or the forwarder: neither returns).
 * Readiness is awaited later, so helpers start while the id maps are written. */
static int spawn_helper(const struct plan *p, struct session *s, enum helper_slot slot,
			void (*body)(const struct plan *, pid_t, int), char *err, size_t errlen)
{
	int ready[2], errp[2];
	if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		if (getppid() != parent)
			_exit(1);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/* a detached supervisor ignores SIGPIPE; pasta 2023-03 refuses to start with it ignored */
		signal(SIGPIPE, SIG_DFL);
		null_stdio(true);
		dup2(errp[1], 2);
		fcntl(ready[1], F_SETFD, 0);
		body(p, s->child, ready[1]);
	}
	close(ready[1]);
	close(errp[1]);
	s->helpers[slot] = (struct helper){ pid, errp[0], ready[0] };
	return 0;
}

static void exec_net_helper(const struct plan *p, pid_t child, int ready_fd)
{
	char **argv = calloc((size_t)p->n_net_helper + 1, sizeof(char *));
	for (int i = 0; argv && i < p->n_net_helper; i++)
		argv[i] = substitute(p->net_helper[i], child, ready_fd);
	if (argv)
		execvp(argv[0], argv);
	dprintf(2, "cannot execute %s: %s\n", p->net_helper[0], strerror(errno));
	_exit(127);
}

int spawn_net_helpers(const struct plan *p, struct session *s, char *err, size_t errlen)
{
	/* a restart: the last run's helpers, killed but not reaped, must have let go of their ports */
	for (int i = 0; i < HELPER_SLOTS; i++)
		if (s->helpers[i].pid > 0)
			while (waitpid(s->helpers[i].pid, NULL, 0) < 0 && errno == EINTR)
				;
	if (p->net_helper && spawn_helper(p, s, HELPER_NET, exec_net_helper, err, errlen) < 0)
		return -1;
	if (p->n_publish && spawn_helper(p, s, HELPER_FORWARDER, forward_run, err, errlen) < 0)
		return -1;
	return 0;
}

int await_net_helpers(const struct plan *p, struct session *s, char *err, size_t errlen)
{
	for (int i = 0; i < HELPER_SLOTS; i++) {
		struct helper *h = &s->helpers[i];
		if (h->ready < 0)
			continue;
		struct pollfd pf = { .fd = h->ready, .events = POLLIN };
		int n;
		do
			n = poll(&pf, 1, READY_TIMEOUT_MS);
		while (n < 0 && errno == EINTR);
		char buf[64];
		bool ok = n > 0 && read(h->ready, buf, sizeof(buf)) > 0;
		close(h->ready);
		h->ready = -1;
		if (ok) {
			fcntl(h->err, F_SETFL, O_NONBLOCK);
			continue;
		}
		char msg[300];
		kill(h->pid, SIGKILL);
		first_line(h->err, msg, sizeof(msg));
		char what[300] = "port forwarder";
		if (i == HELPER_NET)
			snprintf(what, sizeof(what), "network helper %s", p->net_helper[0]);
		stop_net_helpers(s);
		snprintf(err, errlen, "%s %s%s%s", what, n == 0 ? "did not become ready in time" : "failed", msg[0] ? ": " : "", msg);
		return -1;
	}
	return 0;
}

void stop_net_helpers(struct session *s)
{
	/* SIGKILL: a helper has nothing to save once its namespace's workload is gone. Not
	 * waited for: pasta's exit takes 20-50 ms in the kernel (its tap device is unregistered),
	 * which every --rm run paid. A killed process cannot come back; a restart reaps it first
	 * (spawn_net_helpers), the supervisor's SIGCHLD loop may, otherwise whoever inherits it. */
	for (int i = 0; i < HELPER_SLOTS; i++) {
		struct helper *h = &s->helpers[i];
		pid_t pid = h->pid;
		if (pid > 0) {
			kill(pid, SIGKILL);
			if (waitpid(pid, NULL, WNOHANG) != 0)
				pid = 0;
		}
		if (h->err >= 0)
			close(h->err);
		if (h->ready >= 0)
			close(h->ready);
		*h = (struct helper){ pid, -1, -1 }; /* a pid left here is killed, not yet reaped */
	}
}
