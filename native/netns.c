/* The network helper (pasta or slirp4netns) attaches to the child's network namespace after
 * the id maps are written and before the child is released, so the workload's first connect
 * already has a network. It runs as our child with PDEATHSIG, so it cannot outlive the
 * launcher however that ends, and the supervisor stops it when the container ends.
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

int start_net_helper(const struct plan *p, struct session *s, char *err, size_t errlen)
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
		prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
		if (getppid() != parent)
			_exit(1);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/* a detached supervisor ignores SIGPIPE; pasta 2023-03 refuses to start with it ignored */
		signal(SIGPIPE, SIG_DFL);
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(null, 1);
		dup2(errp[1], 2);
		fcntl(ready[1], F_SETFD, 0);
		char **argv = calloc((size_t)p->n_net_helper + 1, sizeof(char *));
		for (int i = 0; argv && i < p->n_net_helper; i++)
			argv[i] = substitute(p->net_helper[i], s->child, ready[1]);
		if (argv)
			execvp(argv[0], argv);
		dprintf(2, "cannot execute %s: %s\n", p->net_helper[0], strerror(errno));
		_exit(127);
	}
	close(ready[1]);
	close(errp[1]);
	s->helper = pid;
	s->helper_err = errp[0];

	struct pollfd pf = { .fd = ready[0], .events = POLLIN };
	int n;
	do
		n = poll(&pf, 1, READY_TIMEOUT_MS);
	while (n < 0 && errno == EINTR);
	char buf[64];
	bool ok = n > 0 && read(ready[0], buf, sizeof(buf)) > 0;
	close(ready[0]);
	if (ok) {
		fcntl(errp[0], F_SETFL, O_NONBLOCK);
		return 0;
	}
	char msg[300] = "";
	kill(pid, SIGKILL);
	ssize_t k = read(errp[0], msg, sizeof(msg) - 1);
	msg[k > 0 ? k : 0] = '\0';
	char *nl = strchr(msg, '\n');
	if (nl)
		*nl = '\0';
	stop_net_helper(s);
	snprintf(err, errlen, "network helper %s %s%s%s", p->net_helper[0], n == 0 ? "did not become ready in time" : "failed",
		 msg[0] ? ": " : "", msg);
	return -1;
}

void stop_net_helper(struct session *s)
{
	/* SIGKILL: the helper has nothing to save once its namespace's workload is gone, and
	 * pasta took 20-40 ms to honour SIGTERM, which every --rm run waited for */
	if (s->helper > 0) {
		kill(s->helper, SIGKILL);
		int st;
		while (waitpid(s->helper, &st, 0) < 0 && errno == EINTR)
			;
	}
	if (s->helper_err >= 0)
		close(s->helper_err);
	s->helper = 0;
	s->helper_err = -1;
}
