/* The launcher's parent side after the release: it relays the pty (or, for a caller's
 * terminal without -t, the stdio pipes), forwards signals, reaps the container's init and
 * turns its end into an exit code (128+signal for a signal). In judge mode it also samples
 * the container and kills it at its limits (usage.c). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include "launcher.h"

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd w = { .fd = fd, .events = POLLOUT };
			poll(&w, 1, -1);
			continue;
		}
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void copy_winsize(int from, int to)
{
	struct winsize ws;
	if (ioctl(from, TIOCGWINSZ, &ws) == 0)
		ioctl(to, TIOCSWINSZ, &ws);
}

/* Reads what a pipe holds into the log (stream) and to our own fd `to`; 0 at EOF, or
 * -1 once neither can be done any more. With an output limit, `u` counts what was relayed
 * and what is beyond the limit is read and dropped (so the writers never block on it). */
static ssize_t drain(int fd, const char *stream, int to, const struct plan *p, struct usage *u)
{
	char buf[65536];
	ssize_t r = read(fd, buf, sizeof(buf));
	size_t keep = r > 0 ? (size_t)r : 0;
	if (r > 0 && p->output_limit) {
		unsigned long long left = u->output < p->output_limit ? p->output_limit - u->output : 0;
		if (keep > left) {
			keep = (size_t)left;
			u->truncated = true;
		}
		u->output += keep;
	}
	if (keep > 0 && stream)
		log_write(stream, buf, keep);
	if (keep > 0 && to >= 0 && write_all(to, buf, keep) < 0) {
		errno = EIO; /* the caller's terminal is gone: the container gets EPIPE from now on */
		return -1;
	}
	return r;
}

int supervise(const struct plan *p, struct session *s, int sock)
{
	int master = -1, procfd = -1, maps = -1;
	/* Until exec, the child talks: SYNC_PTY, SYNC_PROC, SYNC_MAPS, or SYNC_ERROR. The end of
	 * the stream means exec happened. */
	for (;;) {
		struct sync_msg m;
		char got[64];
		int fd;
		int r = sync_recv(sock, &m, &fd, got, sizeof(got));
		if (r == 0)
			break;
		if (r > 0 && m.type == SYNC_PTY && fd >= 0 && master < 0) {
			master = fd;
			continue;
		}
		if (r > 0 && m.type == SYNC_PROC && fd >= 0 && procfd < 0) {
			procfd = fd;
			continue;
		}
		if (r > 0 && m.type == SYNC_MAPS && fd >= 0 && maps < 0) {
			maps = fd;
			continue;
		}
		if (fd >= 0)
			close(fd);
		int code = 125;
		if (r > 0 && m.type == SYNC_ERROR) {
			status_error(m.stage, m.err, m.text);
			code = m.exit_code;
		} else {
			char msg[200];
			snprintf(msg, sizeof(msg), "sync: expected one pty, proc or maps (each with its fd), an error or the end of the stream from the container's first process, got %s", got);
			kill(s->child, SIGKILL);
			status_error("sync", EPROTO, msg);
		}
		int st;
		while (waitpid(s->child, &st, 0) < 0 && errno == EINTR)
			;
		for (int *f = (int[]){ master, procfd, maps }, i = 0; i < 3; i++)
			if (f[i] >= 0)
				close(f[i]);
		return code;
	}
	close(sock);
	struct usage u = { .procfd = -1, .maps_fd = -1 };
	usage_begin(&u, procfd, maps);
	struct rusage ru = { 0 };
	int wstatus = 0;
	/* recorded before the caller hears "started": the verb it runs next (stop) must find it running */
	record_state(p, s, "running", 0);
	status_started(s->child);

	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&set, forwarded[i]);
	int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0) {
		kill(s->child, SIGKILL);
		die("supervise", errno, "signalfd: %s", strerror(errno));
	}

	bool logging = p->log_file != NULL;
	/* our stdin goes to the pty, or to the container's stdin pipe when it is relayed */
	bool relay_in = p->relay[0];
	bool in_open = (p->relay_pty && p->keep_stdin) || relay_in;
	if (p->relay_pty) {
		if (isatty(0))
			tty_raw(0);
		copy_winsize(isatty(0) ? 0 : 1, master);
	}
	int code = -1;
	char buf[65536];
	/* after the container's end, what is left of its output is drained, then we stop */
	while (code < 0 || master >= 0 || s->out[0] >= 0 || s->err[0] >= 0) {
		struct pollfd fds[10 + 8] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = master, .events = POLLIN },
			/* once the container has ended, what is typed is the shell's again */
			{ .fd = in_open && code < 0 ? 0 : -1, .events = POLLIN },
			{ .fd = s->out[0], .events = POLLIN },
			{ .fd = s->err[0], .events = POLLIN },
			{ .fd = s->attach_listen, .events = POLLIN },
			{ .fd = s->helpers[HELPER_NET].err, .events = POLLIN },
			{ .fd = s->helpers[HELPER_FORWARDER].err, .events = POLLIN },
			{ .fd = code < 0 ? s->workload_status[0] : -1, .events = POLLIN },
			{ .fd = u.maps_fd, .events = POLLIN },
		};
		int clients = attach_poll_fds(&fds[10], 8);
		int n = poll(fds, (nfds_t)(10 + clients), code >= 0 ? 100 : usage_timeout(p, &u));
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 && code >= 0)
			break;
		/* judge mode: at a limit, or once the workload has ended, every process but the init gets
		 * SIGKILL (whatever ignores SIGTERM or forks meanwhile goes too), and the init reaps them
		 * all, so their CPU time is in its rusage; then it exits */
		if (p->usage_report && code < 0) {
			if (!u.killed && !u.ending && (u.killed = usage_sample(p, &u)))
				u.ending = now_ms();
			if (u.ending)
				usage_kill_all(&u, s->child);
		}
		if (fds[8].revents & (POLLIN | POLLHUP)) {
			int st;
			if (read(s->workload_status[0], &st, sizeof(st)) == (ssize_t)sizeof(st))
				u.workload_status = st, u.workload_ended = true;
			close(s->workload_status[0]);
			s->workload_status[0] = -1;
			if (!u.ending)
				u.ending = now_ms();
			usage_kill_all(&u, s->child);
		}
		if (fds[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				int sig = (int)si.ssi_signo;
				if (sig == SIGCHLD) {
					int st;
					pid_t w;
					struct rusage r;
					while ((w = wait4(-1, &st, WNOHANG, &r)) > 0) {
						if (w == s->child) {
							code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
							wstatus = st;
							ru = r;
							usage_end(&u);
						}
						for (int h = 0; h < HELPER_SLOTS; h++)
							if (w == s->helpers[h].pid)
								s->helpers[h].pid = 0;
					}
				} else if (sig == SIGWINCH) {
					if (p->relay_pty && master >= 0)
						copy_winsize(isatty(0) ? 0 : 1, master);
				} else {
					kill(s->child, sig);
				}
			}
		}
		if (master >= 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t r = read(master, buf, sizeof(buf));
			if (r > 0) {
				if (logging)
					log_write("stdout", buf, (size_t)r);
				if (p->relay_pty)
					write_all(1, buf, (size_t)r);
			} else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
				close(master);
				master = -1; /* EIO: every slave fd is closed */
			}
		}
		if (in_open && (fds[2].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t r = read(0, buf, sizeof(buf));
			if (r > 0 && master >= 0)
				write_all(master, buf, (size_t)r);
			else if (r > 0 && relay_in && write_all(s->in[1], buf, (size_t)r) < 0)
				in_open = false; /* the container closed its stdin */
			else if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN))
				in_open = false;
			if (!in_open && relay_in) {
				close(s->in[1]); /* our EOF (^D) is the container's */
				s->in[1] = -1;
				relay_in = false;
			}
		}
		for (int k = 0; k < 2; k++) {
			int *fd = k == 0 ? &s->out[0] : &s->err[0];
			if (*fd >= 0 && (fds[3 + k].revents & (POLLIN | POLLHUP | POLLERR))) {
				ssize_t r = drain(*fd, logging ? (k == 0 ? "stdout" : "stderr") : NULL, p->relay[k + 1] && !p->detach ? k + 1 : -1, p, &u);
				if (u.truncated && code < 0 && !u.killed) {
					u.killed = "output";
					u.ending = now_ms();
				}
				if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN)) {
					close(*fd);
					*fd = -1;
				}
			}
		}
		if (s->attach_listen >= 0 && (fds[5].revents & POLLIN))
			attach_accept(s->attach_listen);
		for (int h = 0; h < HELPER_SLOTS; h++) {
			int *fd = &s->helpers[h].err;
			/* a helper that ended leaves EOF here: stop polling it rather than spin */
			if (*fd >= 0 && (fds[6 + h].revents & (POLLIN | POLLHUP | POLLERR)) && read(*fd, buf, sizeof(buf)) == 0) {
				close(*fd);
				*fd = -1;
			}
		}
		if (fds[9].revents & (POLLIN | POLLHUP | POLLERR))
			usage_answer_map(&u, p->map_limit);
		attach_input(&fds[10], clients, code >= 0 ? -1 : master >= 0 ? master : s->in[1]);
	}
	if (code < 0) {
		while (wait4(s->child, &wstatus, 0, &ru) < 0 && errno == EINTR)
			;
		code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
		usage_end(&u);
	}
	/* with an init, the workload's own end (unless the init was killed before it wrote it) */
	if (s->workload_status[0] >= 0) {
		int st;
		if (read(s->workload_status[0], &st, sizeof(st)) == (ssize_t)sizeof(st))
			u.workload_status = st, u.workload_ended = true;
		close(s->workload_status[0]);
		s->workload_status[0] = -1;
	}
	if (u.workload_ended)
		wstatus = u.workload_status;
	if (p->usage_report)
		usage_report(&u, wstatus, &ru);
	for (int k = 0; k < 2; k++) {
		int *fd = k == 0 ? &s->out[0] : &s->err[0];
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
	}
	if (master >= 0)
		close(master);
	if (s->in[1] >= 0)
		close(s->in[1]);
	s->in[1] = -1;
	close(sfd);
	tty_restore();
	return code;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP || flag == FTW_D) {
		chmod(path, 0700);
		rmdir(path);
	} else {
		unlink(path);
	}
	return 0;
}

/* Removes a container's directory from inside its user namespace, where the files its
 * processes created (owned by subordinate ids) are ours to delete. */
void remove_tree(const char *path, int userns_fd)
{
	pid_t pid = fork();
	if (pid < 0)
		return;
	if (pid == 0) {
		if (userns_fd >= 0)
			setns(userns_fd, CLONE_NEWUSER);
		/* directories without write permission: open them up on the way down */
		nftw(path, remove_entry, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
		_exit(0);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
}
