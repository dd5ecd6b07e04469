/*
 * nook-run: the launcher. Mechanism only; the CLI decides everything and hands over a
 * directive list (directives.def) on a file descriptor.
 *
 *   nook-run --args FD [--status-fd FD]      run a container
 *   nook-run --vocabulary                    print the directive table (golden test)
 *
 * The hand-shake (protocol 1):
 *
 *   launcher (parent)                          child (clone: new user, mount, pid, uts, ipc[, net])
 *   read + check directives
 *   block forwarded signals
 *   clone ------------------------------------> blocks on the sync socket
 *   {"type":"child","pid":N} on status fd
 *   write uid/gid maps (newuidmap/newgidmap,
 *     or the single-id map directly)
 *   send release (window size) --------------> maps are in place: root in the namespace
 *                                              mounts, pivot_root, hostname, ids, caps,
 *                                              [pty master <---- sent over the socket]
 *                                              seccomp last, exec
 *   EOF on the socket (it is close-on-exec) <-- exec happened; or an error message and exit
 *   relay the pty, forward signals, reap
 *   {"type":"exit","code":N}, exit N
 *
 * Errors before exec end the launcher with 125 (126/127 for a command that cannot be run or
 * is missing), printed as one line on stderr, or as a JSON line on the status fd.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "launcher.h"

static char *read_args(int fd, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (!buf)
			die("args", ENOMEM, "out of memory");
		if (n == cap) {
			if (cap >= (64u << 20))
				die("args", E2BIG, "directive list too large");
			buf = realloc(buf, cap *= 2);
			continue;
		}
		/* pread from 0: the CLI wrote a memfd and left its offset at the end */
		ssize_t r = pread(fd, buf + n, cap - n, (off_t)n);
		if (r < 0 && errno == ESPIPE)
			r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("args", errno, "cannot read the directives from fd %d: %s", fd, strerror(errno));
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	*len = n;
	return buf;
}

static int parse_fd(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*end || v < 0 || v > 65535)
		die("args", EINVAL, "bad file descriptor \"%s\"", s);
	return (int)v;
}

static void loopback_up(void)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		child_fail(-1, "network", errno, 125, "cannot query the loopback interface: %s", strerror(errno));
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		child_fail(-1, "network", errno, 125, "cannot bring up the loopback interface: %s", strerror(errno));
	close(s);
}

static void clone_failed(int err)
{
	if (err == ENOSPC)
		die("clone", err, "cannot create a user namespace: the limit is reached (raise it: sudo sysctl -w user.max_user_namespaces=15000)");
	if (err == EPERM || err == EACCES)
		die("clone", err, "cannot create a user namespace: %s (unprivileged user namespaces are disabled: sudo sysctl -w kernel.unprivileged_userns_clone=1, or an AppArmor/SELinux policy forbids them; see `nook doctor`)", strerror(err));
	if (err == EINVAL)
		die("clone", err, "cannot create the namespaces: this kernel lacks user, pid or mount namespaces");
	die("clone", err, "clone: %s", strerror(err));
}

/* --rm directories go whether the container ran or the launcher gave up on the way. */
static const struct plan *cleanup_plan;
static int cleanup_userns_fd = -1;

static void cleanup(void)
{
	for (size_t i = 0; cleanup_plan && i < cleanup_plan->n_remove; i++)
		remove_tree(cleanup_plan->remove_on_exit[i], cleanup_userns_fd);
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--vocabulary") == 0) {
		print_vocabulary();
		return 0;
	}
	int args_fd = -1, status_fd = -1;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--args") == 0 && i + 1 < argc)
			args_fd = parse_fd(argv[++i]);
		else if (strcmp(argv[i], "--status-fd") == 0 && i + 1 < argc)
			status_fd = parse_fd(argv[++i]);
		else
			die("args", EINVAL, "usage: nook-run --args FD [--status-fd FD] | --vocabulary");
	}
	if (args_fd < 0)
		die("args", EINVAL, "usage: nook-run --args FD [--status-fd FD] | --vocabulary");
	if (status_fd >= 0) {
		fcntl(status_fd, F_SETFD, FD_CLOEXEC);
		status_init(status_fd);
	}

	/* Whatever started us (Node ignores SIGPIPE; its stdio may be non-blocking) must not leak
	 * into the container: default dispositions, blocking stdio. */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	for (int fd = 0; fd < 3; fd++) {
		int fl = fcntl(fd, F_GETFL);
		if (fl >= 0 && (fl & O_NONBLOCK))
			fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	}

	size_t len;
	char *buf = read_args(args_fd, &len);
	struct plan p;
	memset(&p, 0, sizeof(p));
	char err[512];
	if (plan_parse(buf, len, &p, err, sizeof(err)) < 0)
		die("args", EINVAL, "bad directives: %s", err);
	cleanup_plan = &p;
	atexit(cleanup);

	/* Signals that arrive between clone and the supervisor's loop must not be lost. */
	sigset_t block, old;
	sigemptyset(&block);
	int sigs[] = { SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&block, sigs[i]);
	sigprocmask(SIG_BLOCK, &block, &old);

	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		die("sync", errno, "socketpair: %s", strerror(errno));

	unsigned long flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | SIGCHLD;
	if (p.unshare_net)
		flags |= CLONE_NEWNET;
	if (p.unshare_cgroup)
		flags |= CLONE_NEWCGROUP;
	pid_t child = (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);
	if (child < 0)
		clone_failed(errno);

	if (child == 0) {
		cleanup_plan = NULL;
		close(sv[0]);
		set_child_socket(sv[1]);
		/* a container never outlives its launcher */
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		struct release_msg rel;
		if (recv(sv[1], &rel, sizeof(rel), 0) != (ssize_t)sizeof(rel))
			_exit(125); /* the launcher gave up: it reports why */
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (p.unshare_net)
			loopback_up();
		setup_rootfs(&p);
		exec_process(&p, sv[1], &rel);
		_exit(125);
	}

	close(sv[1]);
	status_child(child);
	char nspath[64];
	snprintf(nspath, sizeof(nspath), "/proc/%d/ns/user", (int)child);
	int userns_fd = open(nspath, O_RDONLY | O_CLOEXEC);
	cleanup_userns_fd = userns_fd;
	if (write_id_maps(&p, child, err, sizeof(err)) < 0) {
		kill(child, SIGKILL);
		die("idmap", errno, "%s", err);
	}
	struct release_msg rel = { 0, 0 };
	struct winsize ws;
	if (p.tty && (ioctl(0, TIOCGWINSZ, &ws) == 0 || ioctl(1, TIOCGWINSZ, &ws) == 0)) {
		rel.rows = ws.ws_row;
		rel.cols = ws.ws_col;
	}
	if (send(sv[0], &rel, sizeof(rel), MSG_NOSIGNAL) != (ssize_t)sizeof(rel)) {
		kill(child, SIGKILL);
		die("sync", errno, "cannot release the container: %s", strerror(errno));
	}
	int code = supervise(&p, child, sv[0], userns_fd);
	cleanup();
	cleanup_plan = NULL;
	status_exit(code);
	return code;
}
