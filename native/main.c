/*
 * nook-run: the launcher. Mechanism only; the CLI decides everything and hands over a
 * directive list (directives.def) on a file descriptor.
 *
 *   nook-run --args FD [--status-fd FD]      run a container (or exec into one: `join`)
 *   nook-run --vocabulary                    print the directive table (golden test)
 *
 * The hand-shake (protocol 1):
 *
 *   launcher (parent)                          child (clone: new user, mount, pid, uts, ipc[, net])
 *   read + check directives
 *   block forwarded signals
 *   clone ------------------------------------> expects SYNC_RELEASE
 *   {"type":"child","pid":N} on status fd
 *   start the network helper on the child's
 *     netns and the port forwarder
 *   write uid/gid maps (newuidmap/newgidmap,
 *     or the single-id map directly)
 *   start fuse-overlayfs (rootfs-fuse-overlayfs)
 *   SYNC_RELEASE (window size) --------------> maps are in place: root in the namespace
 *   wait until the helpers are ready           mounts, pivot_root, hostname
 *   SYNC_NET_READY ---------------------------> [only with helpers: expects it here]
 *                                              ids, caps,
 *   [pty master] <---------------------------- [SYNC_PTY, the master as SCM_RIGHTS]
 *                                              seccomp last, exec
 *   end of stream (close-on-exec) <----------- exec happened; or SYNC_ERROR and exit
 *   {"type":"started","pid":N}
 *   relay the pty (or log the output), forward signals, reap, stop the network helpers
 *   [restart policy: back-off, then clone again]
 *   {"type":"exit","code":N}, exit N
 *
 * `detach` daemonizes first (the caller learns the outcome from the status fd); `join`
 * enters a running container's namespaces through a pidfd and forks instead of cloning.
 *
 * The messages are named in launcher.h (enum sync_type) and carried by sync.c; one out of
 * order is an error saying what was expected and what came.
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
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
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
		die("clone", err, "cannot create a user namespace: user.max_user_namespaces is reached (`nook doctor` names the fix)");
	if (err == EPERM || err == EACCES)
		die("clone", err, "cannot create a user namespace: %s (unprivileged user namespaces are disabled: sudo sysctl -w kernel.unprivileged_userns_clone=1, or an AppArmor/SELinux policy forbids them; see `nook doctor`)", strerror(err));
	if (err == EINVAL)
		die("clone", err, "cannot create the namespaces: this kernel lacks user, pid or mount namespaces");
	die("clone", err, "clone: %s", strerror(err));
}

static void write_sysctls(const struct plan *p)
{
	for (size_t i = 0; i < p->n_ops; i++) {
		const struct directive *d = &p->ops[i];
		if (d->id != DIR_SYSCTL)
			continue;
		char path[512];
		int n = snprintf(path, sizeof(path), "/proc/sys/%s", d->argv[0]);
		for (char *c = path + 10; n > 0 && *c; c++)
			if (*c == '.')
				*c = '/';
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, d->argv[1], strlen(d->argv[1])) < 0)
			child_fail(-1, "sysctl", errno, 125, "cannot set %s=%s: %s", d->argv[0], d->argv[1], strerror(errno));
		close(fd);
	}
}

/* --rm directories go whether the container ran or the launcher gave up on the way. */
static const struct plan *cleanup_plan;
static int cleanup_userns_fd = -1;

static void cleanup(void)
{
	for (size_t i = 0; cleanup_plan && i < cleanup_plan->n_remove; i++)
		remove_tree(cleanup_plan->remove_on_exit[i], cleanup_userns_fd);
}

static void daemonize(void)
{
	pid_t pid = fork();
	if (pid < 0)
		die("detach", errno, "fork: %s", strerror(errno));
	if (pid > 0) {
		/* reap the middle process: only the supervisor is left to whoever adopts it */
		int st;
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	setsid();
	pid = fork();
	if (pid < 0)
		die("detach", errno, "fork: %s", strerror(errno));
	if (pid > 0)
		_exit(0);
	if (null_stdio(false) < 0)
		die("detach", errno, "cannot point stdio at /dev/null: %s", strerror(errno));
	if (chdir("/") < 0)
		die("detach", errno, "chdir: %s", strerror(errno));
	/* the caller may stop reading the status fd at any time */
	signal(SIGPIPE, SIG_IGN);
}

/*
 * A joiner runs inside the container, where a file the container controls can make the kernel
 * execute /proc/self/exe, which is then our binary (CVE-2019-5736): `#!/proc/self/exe` as a
 * command's interpreter. That process is the container's to open through /proc, and our binary
 * may be one that no supervisor keeps busy (an upgrade installed it since the container
 * started), so writable. As runc does, a joiner runs from a sealed memfd copy of itself: all a
 * container can reach is the copy. The plan goes along in a memfd of its own.
 */
static void reexec_sealed(const char *args, size_t len, int status_fd)
{
	int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		die("join", errno, "cannot open our own binary: %s", strerror(errno));
	int seals = fcntl(self, F_GET_SEALS);
	if (seals >= 0 && (seals & F_SEAL_WRITE)) {
		close(self); /* we are the copy */
		return;
	}
	struct stat st;
	int bin = memfd_create("nook-run", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	int plan = memfd_create("nook-directives", 0);
	if (fstat(self, &st) < 0 || bin < 0 || plan < 0)
		die("join", errno, "cannot copy our own binary: %s", strerror(errno));
	for (off_t off = 0; off < st.st_size;)
		if (sendfile(bin, self, &off, (size_t)(st.st_size - off)) <= 0)
			die("join", errno, "cannot copy our own binary: %s", strerror(errno));
	if (fcntl(bin, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
		die("join", errno, "cannot seal the copy of our binary: %s", strerror(errno));
	for (size_t off = 0; off < len;) {
		ssize_t n = write(plan, args + off, len - off);
		if (n <= 0)
			die("join", errno, "cannot pass the directives on: %s", strerror(errno));
		off += (size_t)n;
	}
	char plan_fd[16], st_fd[16];
	snprintf(plan_fd, sizeof(plan_fd), "%d", plan);
	snprintf(st_fd, sizeof(st_fd), "%d", status_fd);
	char *argv[] = { "nook-run", "--args", plan_fd, status_fd >= 0 ? "--status-fd" : NULL, st_fd, NULL };
	if (status_fd >= 0)
		fcntl(status_fd, F_SETFD, 0);
	extern char **environ;
	fexecve(bin, argv, environ);
	die("join", errno, "cannot run the sealed copy of our binary: %s", strerror(errno));
}

/* For exec: a pidfd pins the process, the start time proves it is still the container's. */
static int open_target(pid_t pid, unsigned long long expected_start)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		die("join", errno, "the container's process %d is gone: %s", (int)pid, strerror(errno));
	unsigned long long start = 0; /* field 22 */
	host_proc_stat(pid, 22, 22, &start);
	if (start != expected_start)
		die("join", ESRCH, "the container's process %d is gone (its pid now belongs to another process)", (int)pid);
	return pidfd;
}

/* The namespaces of the container that are not ours already: one it shares with us (the
 * cgroup namespace, the network with --network host) belongs to our own user namespace's
 * ancestors, and entering it again from inside the container's would need privilege. */
static int namespaces_to_join(pid_t pid)
{
	static const struct { const char *name; int flag; } ns[] = {
		{ "user", CLONE_NEWUSER }, { "mnt", CLONE_NEWNS }, { "pid", CLONE_NEWPID }, { "uts", CLONE_NEWUTS },
		{ "ipc", CLONE_NEWIPC }, { "net", CLONE_NEWNET }, { "cgroup", CLONE_NEWCGROUP },
	};
	int flags = 0;
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		char theirs[64], ours[64];
		struct stat a, b;
		snprintf(theirs, sizeof(theirs), "/proc/%d/ns/%s", (int)pid, ns[i].name);
		snprintf(ours, sizeof(ours), "/proc/self/ns/%s", ns[i].name);
		if (stat(theirs, &a) < 0 || stat(ours, &b) < 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev)
			flags |= ns[i].flag;
	}
	return flags;
}

/* One life of the container: create (or join), release, supervise. Returns its exit code. */
static int run_once(const struct plan *p, struct session *s)
{
	int sv[2];
	char err[512];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		die("sync", errno, "socketpair: %s", strerror(errno));
	s->out[0] = s->out[1] = s->err[0] = s->err[1] = s->in[0] = s->in[1] = -1;
	/* the output goes to the log, or through us to the caller's terminal */
	bool logged = p->log_file && !p->tty;
	if (((logged || p->relay[1]) && pipe2(s->out, O_CLOEXEC) < 0) || ((logged || p->relay[2]) && pipe2(s->err, O_CLOEXEC) < 0))
		die("stdio", errno, "pipe: %s", strerror(errno));
	/* with -i: stdin is a pipe the attach socket's clients (detached) or we (relayed) write into */
	if (((p->detach && p->keep_stdin && !p->tty) || p->relay[0]) && pipe2(s->in, O_CLOEXEC) < 0)
		die("stdio", errno, "pipe: %s", strerror(errno));
	/* judge mode: the init's own exit code cannot tell "killed by signal N" from "exit 128+N" */
	s->workload_status[0] = s->workload_status[1] = -1;
	if (p->usage_report && p->init && pipe2(s->workload_status, O_CLOEXEC) < 0)
		die("stdio", errno, "pipe: %s", strerror(errno));

	/* a new network with helpers: they start after the clone and the workload waits for them */
	bool helpers_pending = !p->join_pid && !p->join_net_pid && (p->net_helper || p->n_publish);
	pid_t child;
	if (p->join_pid) {
		/* Before we are in any of its namespaces, nothing of the container may inspect us: our
		 * memory, fds and binary are the host's (CVE-2016-9962, CVE-2019-5736). The forked
		 * child inherits it; exec_process keeps it so to the final execve. */
		if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
			die("join", errno, "PR_SET_DUMPABLE: %s", strerror(errno));
		int pidfd = open_target(p->join_pid, p->join_start);
		int flags = namespaces_to_join(p->join_pid);
		if (flags && setns(pidfd, flags) < 0)
			die("join", errno, "cannot enter the container's namespaces: %s", strerror(errno));
		close(pidfd);
		child = fork(); /* the child is the one inside the container's pid namespace */
	} else {
		unsigned long flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | SIGCHLD;
		if (p->join_net_pid) {
			/* a network namespace can only be shared from inside the user namespace that
			 * owns it: enter both (once: on a restart we are there already), map nothing */
			int pidfd = open_target(p->join_net_pid, p->join_net_start);
			int join = namespaces_to_join(p->join_net_pid) & (CLONE_NEWUSER | CLONE_NEWNET);
			if (join && setns(pidfd, join) < 0)
				die("join", errno, "cannot share the network of process %d: %s", (int)p->join_net_pid, strerror(errno));
			close(pidfd);
			flags &= ~(unsigned long)CLONE_NEWUSER;
		} else if (p->unshare_net) {
			flags |= CLONE_NEWNET;
		}
		if (p->pids_limit) {
			/* its id maps are written on the way (limits.c) */
			child = clone_counted(p, flags, err, sizeof(err));
			if (child < 0)
				die("clone", errno, "%s", err);
		} else {
			child = (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);
		}
	}
	if (child < 0)
		clone_failed(errno);

	if (child == 0) {
		cleanup_plan = NULL;
		close(sv[0]);
		set_child_socket(sv[1]);
		/* a container never outlives its launcher */
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		struct sync_msg release;
		sync_expect(sv[1], SYNC_RELEASE, &release);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		if ((s->out[1] >= 0 && dup2(s->out[1], 1) < 0) || (s->err[1] >= 0 && dup2(s->err[1], 2) < 0) ||
		    (s->in[0] >= 0 && dup2(s->in[0], 0) < 0))
			child_fail(-1, "stdio", errno, 125, "dup2: %s", strerror(errno));
		/* none of the launcher's fds (log, state, helpers' pipes, attach socket) come along */
		int keep[] = { sv[1], p->seccomp_fd, s->workload_status[1] };
		init_status_fd = s->workload_status[1];
		if (close_fds_except(keep, 3) < 0)
			child_fail(-1, "fds", errno, 125, "close_range: %s", strerror(errno));
		if (!p->join_pid) {
			if (p->unshare_net)
				loopback_up();
			write_sysctls(p);
			setup_rootfs(p);
			/* judge mode: the parent samples the container through its own proc instance */
			int proc = p->usage_report ? open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
			if (p->usage_report && (proc < 0 || sync_send(sv[1], &(struct sync_msg){ .type = SYNC_PROC }, proc) < 0))
				child_fail(-1, "usage", errno, 125, "cannot pass the container's /proc to the launcher: %s", strerror(errno));
			if (proc >= 0)
				close(proc);
			int maps = p->map_limit ? usage_watch_maps() : -1;
			if (p->map_limit && (maps < 0 || sync_send(sv[1], &(struct sync_msg){ .type = SYNC_MAPS }, maps) < 0))
				child_fail(-1, "usage", errno, 125, "cannot watch the container's mappings: %s", strerror(errno));
			if (maps >= 0)
				close(maps);
		}
		/* the network helpers started beside our set-up: the workload waits for them */
		struct sync_msg ready;
		if (helpers_pending)
			sync_expect(sv[1], SYNC_NET_READY, &ready);
		exec_process(p, sv[1], &release);
		_exit(125);
	}

	close(sv[1]);
	int *child_ends[] = { &s->out[1], &s->err[1], &s->in[0], &s->workload_status[1] };
	for (size_t i = 0; i < 4; i++)
		if (*child_ends[i] >= 0) {
			close(*child_ends[i]);
			*child_ends[i] = -1;
		}
	s->child = child;
	status_child(child);
	if (!p->join_pid) {
		char nspath[64];
		snprintf(nspath, sizeof(nspath), "/proc/%d/ns/user", (int)child);
		if (s->userns_fd >= 0)
			close(s->userns_fd);
		s->userns_fd = open(nspath, O_RDONLY | O_CLOEXEC);
		cleanup_userns_fd = s->userns_fd;
	}
	if (!p->join_pid && !p->join_net_pid) {
		if (spawn_net_helpers(p, s, err, sizeof(err)) < 0) {
			kill(child, SIGKILL);
			die("network", 0, "%s", err);
		}
		if (!p->pids_limit && write_id_maps(p, child, err, sizeof(err)) < 0) {
			kill(child, SIGKILL);
			die("idmap", errno, "%s", err);
		}
	}
	if (p->cgroup && cgroup_enter(p->cgroup, child, err, sizeof(err)) < 0) {
		kill(child, SIGKILL);
		die("cgroup", errno, "%s", err);
	}
	if (!p->join_pid && spawn_fuse_overlayfs(p, s, err, sizeof(err)) < 0) {
		kill(child, SIGKILL);
		die("mount", EIO, "%s", err);
	}
	struct sync_msg release = { .type = SYNC_RELEASE };
	struct winsize ws;
	if (p->tty && (ioctl(0, TIOCGWINSZ, &ws) == 0 || ioctl(1, TIOCGWINSZ, &ws) == 0)) {
		release.rows = ws.ws_row;
		release.cols = ws.ws_col;
	}
	if (sync_send(sv[0], &release, -1) < 0) {
		int e = errno;
		kill(child, SIGKILL);
		die("sync", e, "cannot send release to the container's first process: %s", e == EPIPE ? "it has already ended" : strerror(e));
	}
	if (helpers_pending) {
		struct pollfd reason = { .fd = sv[0], .events = POLLIN };
		/* a child that failed first took its namespaces with it, and so its helper: the
		 * child's own reason, waiting on the socket, is the one supervise reports */
		if (await_net_helpers(p, s, err, sizeof(err)) < 0 && poll(&reason, 1, 0) == 0) {
			kill(child, SIGKILL);
			die("network", 0, "%s", err);
		}
		/* a child that failed meanwhile has left its reason on the socket: supervise reports it */
		struct sync_msg ready = { .type = SYNC_NET_READY };
		(void)sync_send(sv[0], &ready, -1);
	}
	int code = supervise(p, s, sv[0]);
	stop_net_helpers(s);
	stop_fuse_overlayfs(s);
	if (p->cgroup)
		cgroup_remove(p->cgroup);
	return code;
}

static bool stopped_on_purpose(const struct plan *p)
{
	return p->stop_marker && access(p->stop_marker, F_OK) == 0;
}

static bool should_restart(const struct plan *p, const struct session *s, int code)
{
	if (!p->restart_policy || strcmp(p->restart_policy, "no") == 0 || stopped_on_purpose(p))
		return false;
	if (strcmp(p->restart_policy, "on-failure") == 0)
		return code != 0 && (p->restart_max == 0 || s->restarts < p->restart_max);
	return true; /* always, unless-stopped: only an explicit stop ends them */
}

/* Docker's back-off: 100 ms doubling per restart, at most a minute; a signal ends the wait. */
static bool backoff(const struct session *s)
{
	unsigned long long ms = 100ULL << (s->restarts < 10 ? s->restarts : 10);
	if (ms > 60000)
		ms = 60000;
	sigset_t set;
	sigemptyset(&set);
	int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	for (size_t i = 0; i < 4; i++)
		sigaddset(&set, sigs[i]);
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
	for (;;) {
		int sig = sigtimedwait(&set, NULL, &ts);
		if (sig > 0)
			return false;
		if (errno == EAGAIN)
			return true;
		if (errno != EINTR)
			return true;
	}
}

int main(int argc, char **argv)
{
	/* the sealed copy a joiner runs from (reexec_sealed) would be named after its fd */
	prctl(PR_SET_NAME, "nook-run", 0, 0, 0);
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

	/* Whatever started us (Node ignores SIGPIPE; its stdio may be non-blocking; `node
	 * --cpu-prof` leaves a profiling timer that outlives execve and whose SIGPROF would end
	 * us) must not leak into the container: default dispositions, no timers, blocking stdio. */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	const struct itimerval off = { { 0, 0 }, { 0, 0 } };
	for (int which = ITIMER_REAL; which <= ITIMER_PROF; which++)
		setitimer(which, &off, NULL);
	for (int fd = 0; fd < 3; fd++) {
		int fl = fcntl(fd, F_GETFL);
		if (fl >= 0 && (fl & O_NONBLOCK))
			fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	}

	pid_t parent = getppid();
	size_t len;
	char *buf = read_args(args_fd, &len);
	struct plan p;
	memset(&p, 0, sizeof(p));
	char err[512];
	if (plan_parse(buf, len, &p, err, sizeof(err)) < 0)
		die("args", EINVAL, "bad directives: %s", err);
	cleanup_plan = &p;
	atexit(cleanup);
	/* bubblewrap's --die-with-parent; a parent already gone was missed by the prctl */
	if (p.die_with_parent && (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent))
		_exit(125);
	/* nothing we were not told about reaches the container or a joiner: an fd the caller leaked */
	int keep[] = { status_fd, p.seccomp_fd };
	if (close_fds_except(keep, 2) < 0)
		die("fds", errno, "close_range: %s", strerror(errno));
	if (p.join_pid)
		reexec_sealed(buf, len, status_fd);
	if (p.detach)
		daemonize();

	/* Signals that arrive between clone and the supervisor's loop must not be lost. */
	sigset_t block;
	sigemptyset(&block);
	/* SIGPIPE too: a relayed stdin whose reader left is EPIPE, not our end */
	int sigs[] = { SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGPIPE };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&block, sigs[i]);
	sigprocmask(SIG_BLOCK, &block, NULL);

	struct session s = { .userns_fd = -1, .helpers = { { 0, -1, -1 }, { 0, -1, -1 } }, .attach_listen = -1 };
	if (p.log_file)
		log_open(&p);
	if (p.attach_socket)
		s.attach_listen = attach_listen(p.attach_socket);
	int code;
	for (;;) {
		code = run_once(&p, &s);
		record_state(&p, &s, "exited", code);
		if (!should_restart(&p, &s, code) || !backoff(&s) || stopped_on_purpose(&p))
			break;
		s.restarts++;
	}
	log_flush();
	if (p.attach_socket) {
		attach_close_all();
		unlink(p.attach_socket);
	}
	cleanup();
	cleanup_plan = NULL;
	status_exit(code);
	return code;
}
