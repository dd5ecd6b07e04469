/* Resource limits that are more than a setrlimit: the per-container process count, CPU
 * pinning, nice, and the cgroup v2 join. Mechanism only: every number comes from the CLI
 * (src/core/limits.ts explains the choices).
 *
 * pids-limit N (parent): RLIMIT_NPROC is counted per (user namespace, uid) and up the tree
 * (kernel/ucount.c): a fork in the container's namespace C also counts, at C's parent, for
 * C's owner, against the RLIMIT_NPROC its creator had when it made C. So C is made inside a
 * namespace P of its own, by a task of P limited to N: the container's processes, whatever
 * their uid, share that one count and nothing else does. Raising it needs CAP_SYS_RESOURCE in
 * the initial namespace.
 *
 *   launcher                         P (clone NEWUSER)                C (clone from P, CLONE_PARENT)
 *   write P's maps (newuidmap)
 *   SYNC_COUNT_MAPPED ------------>  set RLIMIT_NPROC N
 *                                    clone C ---------------------->  waits for the release
 *                                    write C's identity maps          (as with a direct clone)
 *   C's pid <---------------------   SYNC_COUNTED, exit
 *   reap P; C is our child, as without the limit
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "launcher.h"

static int write_file(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, data, strlen(data));
	int e = errno;
	close(fd);
	errno = e;
	return n == (ssize_t)strlen(data) ? 0 : -1;
}

/* C sees P's ids as they are: one line per range of P's map, since a line may not span two. */
static int write_identity_map(pid_t pid, const char *file, const struct id_range *r, size_t n)
{
	char path[64], map[64 * 72];
	size_t off = 0;
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(map + off, sizeof(map) - off, "%lu %lu %lu\n", r[i].inside, r[i].inside, r[i].count);
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	return write_file(path, map);
}

pid_t clone_counted(const struct plan *p, unsigned long flags, char *err, size_t errlen)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		return -1;
	}
	pid_t mid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
	if (mid < 0) {
		snprintf(err, errlen, "cannot create the process-counting user namespace: %s", strerror(errno));
		return -1;
	}
	if (mid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		close(sv[0]);
		struct sync_msg m;
		sync_expect(sv[1], SYNC_COUNT_MAPPED, &m);
		struct rlimit rl = { p->pids_limit, p->pids_limit };
		if (setrlimit(RLIMIT_NPROC, &rl) < 0)
			child_fail(sv[1], "pids-limit", errno, 125, "setrlimit RLIMIT_NPROC: %s", strerror(errno));
		pid_t child = (pid_t)syscall(SYS_clone, flags | CLONE_PARENT, NULL, NULL, NULL, NULL);
		if (child == 0) {
			close(sv[1]);
			return 0; /* the container: it waits for the release as a direct clone would */
		}
		if (child < 0)
			child_fail(sv[1], "pids-limit", errno, 125, "clone: %s", strerror(errno));
		if (write_identity_map(child, "uid_map", p->uid_map, p->n_uid_map) < 0 ||
		    write_identity_map(child, "gid_map", p->gid_map, p->n_gid_map) < 0) {
			int e = errno;
			kill(child, SIGKILL);
			child_fail(sv[1], "pids-limit", e, 125, "cannot write the container's id maps: %s", strerror(e));
		}
		struct sync_msg done = { .type = SYNC_COUNTED, .pid = child };
		sync_send(sv[1], &done, -1);
		_exit(0);
	}
	close(sv[1]);
	pid_t child = -1;
	struct sync_msg go = { .type = SYNC_COUNT_MAPPED }, m = { .type = 0 };
	char got[64];
	int fd;
	if (write_id_maps(p, mid, err, errlen) == 0) {
		if (sync_send(sv[0], &go, -1) < 0)
			snprintf(err, errlen, "the process-counting namespace ended early");
		else if (sync_recv(sv[0], &m, &fd, got, sizeof(got)) == 1 && m.type == SYNC_ERROR)
			snprintf(err, errlen, "%s", m.text);
		else if (m.type == SYNC_COUNTED && fd < 0 && m.pid > 0)
			child = m.pid;
		else
			snprintf(err, errlen, "sync: expected counted from the process-counting namespace, got %s", got);
		if (fd >= 0)
			close(fd);
	}
	close(sv[0]);
	if (child < 0)
		kill(mid, SIGKILL);
	while (waitpid(mid, NULL, 0) < 0 && errno == EINTR)
		;
	return child;
}

/* cpu-affinity LIST (child): the CPUs, comma-separated, for this process and its children. */
int set_cpu_affinity(const char *list)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *save = NULL, *c = strtok_r(buf, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
		unsigned long cpu = strtoul(c, NULL, 10);
		if (cpu >= CPU_SETSIZE) {
			errno = EINVAL;
			return -1;
		}
		CPU_SET(cpu, &set);
	}
	return sched_setaffinity(0, sizeof(set), &set);
}

/* nice N (child, after setsid): the process's nice value and, where the kernel groups each
 * session (sched_autogroup), the new session's, which is what weighs against other sessions. */
int set_nice(const char *value)
{
	int nice = atoi(value);
	if (setpriority(PRIO_PROCESS, 0, nice) < 0)
		return -1;
	char text[16];
	snprintf(text, sizeof(text), "%d", nice);
	/* the kernel takes one autogroup change per 100 ms from all unprivileged callers */
	for (int i = 0; write_file("/proc/self/autogroup", text) < 0; i++) {
		if (errno == ENOENT)
			return 0; /* no autogroups: the nice value alone weighs */
		if (errno != EAGAIN || i == 20)
			return -1;
		usleep(20000);
	}
	return 0;
}

/* cgroup DIR (parent; untested on a live cgroup v2 host): the container's first process moves
 * into the cgroup the CLI prepared, before the release; the group goes when the container ends. */
int cgroup_enter(const char *dir, pid_t pid, char *err, size_t errlen)
{
	char path[4096], text[16];
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	snprintf(text, sizeof(text), "%d", (int)pid);
	if (write_file(path, text) < 0) {
		snprintf(err, errlen, "cannot move the container into its cgroup %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

void cgroup_remove(const char *dir)
{
	/* its last process has just been reaped: the kernel may need a moment to let it go */
	for (int i = 0; i < 50 && rmdir(dir) < 0 && errno == EBUSY; i++)
		usleep(10000);
}
