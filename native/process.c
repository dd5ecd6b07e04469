/* The child, once its root is in place: identity, limits, capabilities, terminal, then exec.
 * Order matters and is the usual one (runc, crun): rlimits and groups while still root in
 * the namespace, bounding set before the uid change, capset after it, no_new_privs, fds
 * closed, and the seccomp program last, so the filter never has to allow our own setup. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include "launcher.h"

#define FAIL(stage, err, ...) child_fail(sock, stage, (err), 125, __VA_ARGS__)

bool gid_is_mapped(const struct plan *p, unsigned long gid)
{
	for (size_t i = 0; i < p->n_gid_map; i++)
		if (gid >= p->gid_map[i].inside && gid - p->gid_map[i].inside < p->gid_map[i].count)
			return true;
	return false;
}

/* Closes every fd from 3 up but those in keep (any order; -1 entries are ignored). */
int close_fds_except(const int *keep, size_t n)
{
	unsigned lo = 3;
	for (;;) {
		unsigned next = ~0U; /* the lowest fd to keep at or above lo */
		for (size_t i = 0; i < n; i++)
			if (keep[i] >= 0 && (unsigned)keep[i] >= lo && (unsigned)keep[i] < next)
				next = (unsigned)keep[i];
		if (next == ~0U)
			return close_range(lo, ~0U, 0);
		if (next > lo && close_range(lo, next - 1, 0) < 0)
			return -1;
		lo = next + 1;
	}
}

/* Points fds 0-2 (0-1 with keep_stderr) at /dev/null: for processes that outlive the caller or
 * must not hold its fds (pid 1 with --init, the supervisor, the helpers). -1 on failure. */
int null_stdio(bool keep_stderr)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		return -1;
	for (int fd = 0; fd < (keep_stderr ? 2 : 3); fd++)
		if (dup2(null, fd) < 0)
			return -1;
	if (null > 2)
		close(null);
	return 0;
}

static unsigned long long parse_hex(const char *s) { return strtoull(s, NULL, 16); }

static void drop_bounding(int sock, unsigned long long keep)
{
	for (int cap = 0; cap <= 63; cap++) {
		if (keep & (1ULL << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL)
				break; /* past the kernel's last capability */
			FAIL("capabilities", errno, "cannot drop capability %d from the bounding set: %s", cap, strerror(errno));
		}
	}
}

static void set_caps(int sock, char **a)
{
	unsigned long long eff = parse_hex(a[1]), perm = parse_hex(a[2]), inh = parse_hex(a[3]), amb = parse_hex(a[4]);
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2] = {
		{ (unsigned)eff, (unsigned)perm, (unsigned)inh },
		{ (unsigned)(eff >> 32), (unsigned)(perm >> 32), (unsigned)(inh >> 32) },
	};
	if (syscall(SYS_capset, &hdr, data) < 0)
		FAIL("capabilities", errno, "capset: %s", strerror(errno));
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		FAIL("capabilities", errno, "cannot clear ambient capabilities: %s", strerror(errno));
	for (int cap = 0; cap <= 63; cap++)
		if ((amb & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			FAIL("capabilities", errno, "cannot raise ambient capability %d: %s", cap, strerror(errno));
}

static void set_groups(int sock, const struct plan *p, const char *csv)
{
	if (p->setgroups_deny)
		return; /* single-id map: the kernel forbids setgroups; the CLI said so */
	gid_t gids[64];
	size_t n = 0;
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", csv);
	for (char *save = NULL, *g = strtok_r(buf, ",", &save); g && n < 64; g = strtok_r(NULL, ",", &save))
		gids[n++] = (gid_t)strtoul(g, NULL, 10);
	if (setgroups(n, gids) < 0)
		FAIL("user", errno, "setgroups: %s", strerror(errno));
}

/* Looks argv[0] up in the container's PATH, as execvp would, but with the container's env. */
static void exec_lookup(int sock, char **argv, char **envp)
{
	const char *cmd = argv[0];
	int err = ENOENT;
	if (strchr(cmd, '/')) {
		execve(cmd, argv, envp);
		err = errno;
	} else {
		const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
		for (char **e = envp; *e; e++)
			if (strncmp(*e, "PATH=", 5) == 0)
				path = *e + 5;
		char full[4096];
		bool denied = false;
		for (const char *s = path; *s;) {
			const char *colon = strchrnul(s, ':');
			int len = (int)(colon - s);
			snprintf(full, sizeof(full), "%.*s%s%s", len, s, len ? "/" : "", cmd);
			execve(full, argv, envp);
			if (errno == EACCES || errno == ENOEXEC || errno == EISDIR)
				denied = true, err = errno;
			s = *colon ? colon + 1 : colon;
		}
		if (!denied)
			err = ENOENT;
	}
	if (err == ENOENT)
		child_fail(sock, "exec", err, 127, "exec \"%s\": executable file not found%s", cmd, strchr(cmd, '/') ? "" : " in $PATH");
	child_fail(sock, "exec", err, 126, "exec \"%s\": %s", cmd, strerror(err));
}

static void load_seccomp(int sock, struct sock_fprog *prog)
{
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) < 0)
		FAIL("seccomp", errno, "cannot load the seccomp program: %s", strerror(errno));
}

static void read_seccomp(int sock, const struct plan *p, struct sock_fprog *prog)
{
	struct stat st;
	if (fstat(p->seccomp_fd, &st) < 0)
		FAIL("seccomp", errno, "seccomp fd %d: %s", p->seccomp_fd, strerror(errno));
	size_t cap = 65536 * sizeof(struct sock_filter), len = 0;
	char *buf = malloc(cap);
	if (!buf)
		FAIL("seccomp", ENOMEM, "out of memory");
	ssize_t n;
	while ((n = pread(p->seccomp_fd, buf + len, cap - len, (off_t)len)) > 0)
		len += (size_t)n;
	if (n < 0 && errno == ESPIPE)
		while ((n = read(p->seccomp_fd, buf + len, cap - len)) > 0)
			len += (size_t)n;
	close(p->seccomp_fd);
	if (len == 0 || len % sizeof(struct sock_filter) != 0)
		FAIL("seccomp", EINVAL, "the seccomp program is %zu bytes, not a whole number of BPF instructions", len);
	prog->len = (unsigned short)(len / sizeof(struct sock_filter));
	prog->filter = (struct sock_filter *)buf;
}

/* pid 1 with --init: forwards signals to the workload and reaps every orphan. */
int init_status_fd = -1;
static pid_t init_child;
static void init_forward(int sig) { kill(init_child, sig); }

static void run_init(int sock, const struct plan *p, char **envp, struct sock_fprog *prog)
{
	init_child = fork();
	if (init_child < 0)
		FAIL("init", errno, "fork: %s", strerror(errno));
	if (init_child == 0) {
		if (p->tty) {
			setpgid(0, 0);
			signal(SIGTTOU, SIG_IGN);
			tcsetpgrp(0, getpid());
			signal(SIGTTOU, SIG_DFL);
		}
		if (prog)
			load_seccomp(sock, prog);
		exec_lookup(sock, p->exec_argv, envp);
	}
	/* pid 1 outlives the exec, so nothing closes on exec here: it keeps no fd at all (the
	 * log, the caller's descriptors), and its stdio is /dev/null */
	if (null_stdio(false) < 0)
		FAIL("init", errno, "cannot point pid 1's stdio at /dev/null: %s", strerror(errno));
	close(sock);
	if (close_fds_except(&init_status_fd, init_status_fd >= 0 ? 1 : 0) < 0)
		_exit(125);
	if (prog)
		load_seccomp(-1, prog);
	struct sigaction sa = { .sa_handler = init_forward };
	sigemptyset(&sa.sa_mask);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGCHLD && sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &sa, NULL);
	int code = 125;
	for (;;) {
		int st;
		pid_t w = wait(&st);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			_exit(code);
		if (w == init_child) {
			code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			if (init_status_fd < 0)
				_exit(code);
			/* judge mode: the launcher kills the rest; we reap them all, so their CPU time
			 * is in our rusage (the kernel's own clean-up at our exit autoreaps: lost) */
			(void)!write(init_status_fd, &st, sizeof(st));
			close(init_status_fd);
			init_status_fd = -1;
		}
	}
}

static void setup_tty(int sock, const struct sync_msg *release)
{
	int master, slave;
	if (tty_open_pair(&master, &slave) < 0)
		FAIL("tty", errno, "cannot allocate a pty from the container's devpts: %s", strerror(errno));
	if (release->rows) {
		struct winsize ws = { .ws_row = release->rows, .ws_col = release->cols };
		ioctl(master, TIOCSWINSZ, &ws);
	}
	struct sync_msg pty = { .type = SYNC_PTY };
	if (sync_send(sock, &pty, master) < 0)
		FAIL("tty", errno, "cannot pass the pty to the launcher: %s", strerror(errno));
	close(master);
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		FAIL("tty", errno, "cannot make the pty the controlling terminal: %s", strerror(errno));
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			FAIL("tty", errno, "dup2: %s", strerror(errno));
	if (slave > 2)
		close(slave);
}

void exec_process(const struct plan *p, int sock, const struct sync_msg *release)
{
	const char *cwd = "/";
	unsigned long uid = 0, gid = 0;
	char **caps = NULL;
	const char *groups = NULL, *nice = NULL;
	for (size_t i = 0; i < p->n_ops; i++) {
		const struct directive *d = &p->ops[i];
		switch (d->id) {
		case DIR_HOSTNAME:
			if (sethostname(d->argv[0], strlen(d->argv[0])) < 0)
				FAIL("hostname", errno, "sethostname: %s", strerror(errno));
			break;
		case DIR_RLIMIT: {
			long long soft = strtoll(d->argv[1], NULL, 10), hard = strtoll(d->argv[2], NULL, 10);
			struct rlimit rl = { soft < 0 ? RLIM_INFINITY : (rlim_t)soft, hard < 0 ? RLIM_INFINITY : (rlim_t)hard };
			if (setrlimit(atoi(d->argv[0]), &rl) < 0)
				FAIL("rlimit", errno, "setrlimit %s: %s", d->argv[0], strerror(errno));
			break;
		}
		case DIR_CPU_AFFINITY:
			if (set_cpu_affinity(d->argv[0]) < 0)
				FAIL("cpu-affinity", errno, "cannot run on CPUs %s: %s", d->argv[0], strerror(errno));
			break;
		case DIR_NICE: nice = d->argv[0]; break;
		case DIR_CHDIR: cwd = d->argv[0]; break;
		case DIR_USER:
			uid = strtoul(d->argv[0], NULL, 10);
			gid = strtoul(d->argv[1], NULL, 10);
			break;
		case DIR_GROUPS: groups = d->argv[0]; break;
		case DIR_CAPS: caps = d->argv; break;
		default: break;
		}
	}

	/* The working directory is created as root if missing (Docker does), and must resolve
	 * inside the new root: the old root is detached, and getcwd() proves it. */
	struct stat st;
	if (stat(cwd, &st) < 0 && errno == ENOENT) {
		char buf[4096];
		snprintf(buf, sizeof(buf), "%s", cwd);
		for (char *s = buf + 1; *s; s++)
			if (*s == '/') {
				*s = '\0';
				mkdir(buf, 0755);
				*s = '/';
			}
		mkdir(buf, 0755);
	}

	if (setsid() < 0)
		FAIL("session", errno, "setsid: %s", strerror(errno));
	if (nice && set_nice(nice) < 0)
		FAIL("nice", errno, "cannot set nice %s: %s", nice, strerror(errno));
	if (p->tty)
		setup_tty(sock, release);
	else if (!p->keep_stdin) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (null < 0 || dup2(null, 0) < 0)
			FAIL("stdio", errno, "cannot open /dev/null: %s", strerror(errno));
		close(null);
	}

	struct sock_fprog prog_buf, *prog = NULL;
	if (p->seccomp_fd >= 0) {
		read_seccomp(sock, p, &prog_buf);
		prog = &prog_buf;
	}

	if (groups)
		set_groups(sock, p, groups);
	if (caps)
		drop_bounding(sock, parse_hex(caps[0]));
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		FAIL("user", errno, "PR_SET_KEEPCAPS: %s", strerror(errno));
	/* Without no_new_privs the kernel wants CAP_SYS_ADMIN to load a filter: load it now, while
	 * we still hold it; the profiles allow the few setup calls that follow. */
	if (prog && !p->no_new_privs) {
		load_seccomp(sock, prog);
		prog = NULL;
	}
	if (setresgid((gid_t)gid, (gid_t)gid, (gid_t)gid) < 0)
		FAIL("user", errno, "cannot switch to gid %lu: %s (is it mapped? see `nook doctor`)", gid, strerror(errno));
	if (setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) < 0)
		FAIL("user", errno, "cannot switch to uid %lu: %s (is it mapped? see `nook doctor`)", uid, strerror(errno));
	if (caps)
		set_caps(sock, caps);
	if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		FAIL("no-new-privs", errno, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
	/* Until the exec we are the launcher's binary, memory and fds, and with --init pid 1 stays
	 * so: nothing in the container may inspect, ptrace or open us through /proc (a joiner was
	 * made undumpable before its setns; a credential change may have reset that to the
	 * fs.suid_dumpable sysctl). The exec'd program is dumpable again, as it should be. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		FAIL("user", errno, "PR_SET_DUMPABLE: %s", strerror(errno));

	if (chdir(cwd) < 0)
		FAIL("chdir", errno, "cannot change to the working directory %s: %s", cwd, strerror(errno));
	char here[4096];
	if (!getcwd(here, sizeof(here)) || here[0] != '/')
		FAIL("chdir", EPERM, "the working directory %s is outside the container", cwd);

	/* No fd of the caller reaches the workload: everything above stdio closes on exec (the
	 * sync socket too, which is how the parent learns that exec happened). */
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		FAIL("fds", errno, "close_range: %s", strerror(errno));

	char *empty[] = { NULL };
	char **envp = p->n_env ? p->env : empty;
	if (p->init)
		run_init(sock, p, envp, prog);
	if (prog)
		load_seccomp(sock, prog);
	exec_lookup(sock, p->exec_argv, envp);
}
