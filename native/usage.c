/* Judge mode, the parent's side: it measures the container while it runs and names the limit
 * that ended it. Mechanism only: raw numbers leave as one JSON line on the status fd, and the
 * CLI decides the status (src/core/judge-plan.ts).
 *
 * The sampler reads the container's own proc instance (the child sends it before the exec), so
 * it sees exactly the processes of the container's pid namespace, zombies included. A process's
 * utime+stime+cutime+cstime covers itself and every child it reaped; orphans are reparented to
 * the init, so the sum over the live processes is the container's CPU time so far (a process
 * reaped between two reads of one sample is missed once). The final numbers are not sampled:
 * wait4() on the init returns its rusage with every descendant it reaped. So the init must
 * reap them all: the kernel's own clean-up at an init's exit (zap_pid_ns_processes) sets its
 * SIGCHLD to SIG_IGN and autoreaps what it kills, and those times reach nobody's cutime. At a
 * limit, or once the command ended, usage_kill_all kills the rest and the init reaps it. */
#include <dirent.h>
#include <signal.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "launcher.h"

/* the sampling period: the kill lands at most this much after a CPU or RSS limit is reached */
#define SAMPLE_MS 10

static long long now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

long long now_ms(void) { return now_us() / 1000; }

static long long since_us(const struct timespec *t)
{
	return now_us() - ((long long)t->tv_sec * 1000000 + t->tv_nsec / 1000);
}

void usage_begin(struct usage *u, int procfd, int maps_fd)
{
	u->maps_fd = maps_fd;
	struct statfs sf;
	/* the container sent it: it must be a proc instance, not a directory of fakes */
	if (procfd >= 0 && (fstatfs(procfd, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC)) {
		close(procfd);
		procfd = -1;
	}
	u->procfd = procfd;
	clock_gettime(CLOCK_MONOTONIC, &u->started);
	u->next_sample_us = now_us();
}

/* ms until the next sample or the wall limit, whichever comes first (-1: nothing to wait for) */
int usage_timeout(const struct plan *p, const struct usage *u)
{
	if (!p->usage_report)
		return -1;
	if (u->ending)
		return 1; /* until the init has reaped everything */
	long long left = (u->next_sample_us - now_us()) / 1000;
	if (p->wall_limit_ms) {
		long long wall = (long long)p->wall_limit_ms - since_us(&u->started) / 1000;
		if (wall < left)
			left = wall;
	}
	return left < 0 ? 0 : (int)left + 1;
}

/* A file of the container's proc: nothing of the container's mounts or links is followed (it
 * may have mounted over /proc/N in its own mount namespace). */
static int open_in_proc(int procfd, const char *path, int flags)
{
	struct open_how how = { .flags = (unsigned long long)(flags | O_CLOEXEC), .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV };
	return (int)syscall(SYS_openat2, procfd, path, &how, sizeof(how));
}

static DIR *open_proc_dir(int procfd)
{
	int dfd = openat(procfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = dfd < 0 ? NULL : fdopendir(dfd);
	if (!dir && dfd >= 0)
		close(dfd);
	return dir;
}

static bool is_pid(const char *name) { return name[0] >= '1' && name[0] <= '9'; }

/* Every process of the container but its init: SIGKILL through a /proc/N fd (a pidfd to
 * pidfd_send_signal), as the owner of its user namespace. Without its proc, the init itself:
 * the kernel then kills the rest, and their CPU time is lost (it reaps them as autoreaped). A
 * second without the init gone (a process in uninterruptible sleep) ends the same way. */
void usage_kill_all(struct usage *u, pid_t init)
{
	if (u->procfd < 0 || now_ms() - u->ending > 1000) {
		kill(init, SIGKILL);
		return;
	}
	DIR *dir = open_proc_dir(u->procfd);
	if (!dir) {
		kill(init, SIGKILL);
		return;
	}
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (!is_pid(e->d_name) || strcmp(e->d_name, "1") == 0)
			continue;
		int fd = open_in_proc(u->procfd, e->d_name, O_RDONLY | O_DIRECTORY);
		if (fd >= 0) {
			syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
			close(fd);
		}
	}
	closedir(dir);
}

static int read_stat(int procfd, const char *pid, char *buf, size_t len)
{
	char path[300];
	snprintf(path, sizeof(path), "%s/stat", pid);
	int fd = open_in_proc(procfd, path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* Samples the container when a sample is due; returns the limit it reached (and kills nothing
 * itself), or NULL. */
const char *usage_sample(const struct plan *p, struct usage *u)
{
	if (p->wall_limit_ms && since_us(&u->started) >= (long long)p->wall_limit_ms * 1000)
		return "wall";
	long long now = now_us();
	if (u->procfd < 0 || now < u->next_sample_us)
		return NULL;
	u->next_sample_us = now + SAMPLE_MS * 1000;
	DIR *dir = open_proc_dir(u->procfd);
	if (!dir)
		return NULL;
	static long ticks_per_s;
	if (!ticks_per_s)
		ticks_per_s = sysconf(_SC_CLK_TCK);
	static long page_kb;
	if (!page_kb)
		page_kb = sysconf(_SC_PAGESIZE) / 1024;
	unsigned long long ticks = 0, rss_kb = 0;
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (!is_pid(e->d_name))
			continue;
		char buf[1024];
		if (read_stat(u->procfd, e->d_name, buf, sizeof(buf)) < 0)
			continue; /* gone meanwhile: its parent's cutime has it */
		/* 14-17 utime stime cutime cstime, 23 vsize (bytes), 24 rss (pages) */
		unsigned long long v[24] = { 0 };
		if (proc_stat_fields(buf, 14, 24, v + 13) < 0)
			continue;
		ticks += v[13] + v[14] + v[15] + v[16];
		rss_kb += v[23] * (unsigned long long)page_kb;
		if (v[22] / 1024 > u->vm_peak_kb)
			u->vm_peak_kb = v[22] / 1024;
	}
	closedir(dir);
	u->cpu_ms = ticks * 1000 / (unsigned long long)ticks_per_s;
	if (rss_kb > u->rss_sum_peak_kb)
		u->rss_sum_peak_kb = rss_kb;
	if (p->cpu_limit_ms && u->cpu_ms >= p->cpu_limit_ms)
		return "cpu";
	if (p->rss_limit && rss_kb * 1024 >= p->rss_limit)
		return "rss";
	return NULL;
}

/* at the init's reap: the last process of the container is gone */
void usage_end(struct usage *u)
{
	u->wall_us = since_us(&u->started);
	if (u->procfd >= 0)
		close(u->procfd);
	u->procfd = -1;
	if (u->maps_fd >= 0)
		close(u->maps_fd);
	u->maps_fd = -1;
}

#if defined(__x86_64__)
#define MAPS_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define MAPS_ARCH AUDIT_ARCH_AARCH64
#else
#error "map-limit: name this architecture's AUDIT_ARCH"
#endif

/* mappings at least this large are shown to the parent; smaller ones (and brk) are not, so a
 * process failing at the cap by many small ones is left to the address-space heuristic */
#define WATCHED_MAP (1u << 20)

/* Child, before the exec: mmap(len) and mremap(new_len) of WATCHED_MAP or more are handed to
 * the parent (usage_answer_map). RLIMIT_AS refuses a mapping silently, so a box that asked for
 * 1 GiB under 256 MiB and died would read as a plain runtime error. Returns the listener fd. */
int usage_watch_maps(void)
{
#define ARG_LO(n) (offsetof(struct seccomp_data, args) + 8 * (n))
#define ARG_HI(n) (offsetof(struct seccomp_data, args) + 8 * (n) + 4) /* little-endian */
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, MAPS_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW), /* other entry points: the profile's */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mmap, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mremap, 5, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		/* mmap: args[1] is the length */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_HI(1)),
		BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 0, 6, 0),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, WATCHED_MAP, 4, 5),
		/* mremap: args[2] is the new length */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_HI(2)),
		BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 0, 2, 0),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(2)),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, WATCHED_MAP, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = (unsigned short)(sizeof(f) / sizeof(f[0])), .filter = f };
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
}

/* A host process's address space in bytes (vsize, /proc/PID/stat field 23), or 0. */
static unsigned long long vsize_of(pid_t pid)
{
	unsigned long long v = 0;
	host_proc_stat(pid, 23, 23, &v);
	return v;
}

/* Parent: one watched mapping. One that would take its process's address space past the
 * limit is refused with ENOMEM, as RLIMIT_AS would refuse it, and counted; any other goes on
 * (the kernel then applies RLIMIT_AS itself). */
void usage_answer_map(struct usage *u, unsigned long long limit)
{
	struct seccomp_notif req;
	memset(&req, 0, sizeof(req));
	if (ioctl(u->maps_fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
		if (errno != EINTR && errno != ENOENT) { /* every watched process is gone */
			close(u->maps_fd);
			u->maps_fd = -1;
		}
		return;
	}
	const unsigned long long *a = req.data.args;
	unsigned long long asked = req.data.nr == __NR_mmap ? a[1] : a[2] > a[1] ? a[2] - a[1] : 0;
	/* the pid is ours (the host's); the id still valid after the read: it is still that task */
	unsigned long long vm = vsize_of((pid_t)req.pid);
	if (ioctl(u->maps_fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &req.id) < 0)
		return;
	struct seccomp_notif_resp resp = { .id = req.id, .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE };
	if (vm + asked > limit) {
		resp = (struct seccomp_notif_resp){ .id = req.id, .error = -ENOMEM };
		u->refused_maps++;
		if (asked > u->refused_max)
			u->refused_max = asked;
	}
	ioctl(u->maps_fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}

static long long tv_us(const struct timeval *t) { return (long long)t->tv_sec * 1000000 + t->tv_usec; }

/* {"type":"usage",...}: the raw numbers; wait4's are the init's with everything it reaped */
void usage_report(const struct usage *u, int wstatus, const struct rusage *ru)
{
	char line[768];
	snprintf(line, sizeof(line),
		"{\"type\":\"usage\",\"exitcode\":%d,\"exitsig\":%d,\"killed\":\"%s\",\"utime_us\":%lld,\"stime_us\":%lld,"
		"\"wall_us\":%lld,\"maxrss_kb\":%ld,\"nvcsw\":%ld,\"nivcsw\":%ld,\"sampled_cpu_ms\":%llu,"
		"\"sampled_rss_sum_peak_kb\":%llu,\"sampled_vm_peak_kb\":%llu,\"output_bytes\":%llu,\"truncated\":%s,"
		"\"refused_maps\":%llu,\"refused_max_bytes\":%llu}\n",
		WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1, WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0,
		u->killed ? u->killed : "", tv_us(&ru->ru_utime), tv_us(&ru->ru_stime), u->wall_us, ru->ru_maxrss,
		ru->ru_nvcsw, ru->ru_nivcsw, u->cpu_ms, u->rss_sum_peak_kb, u->vm_peak_kb, u->output,
		u->truncated ? "true" : "false", u->refused_maps, u->refused_max);
	status_line(line);
}
