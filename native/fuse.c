/* The fuse-overlayfs daemon, started by the parent (podman's model), never by the child.
 *
 * A daemon the child forked would live in the container's pid namespace as its root, and
 * its /proc/PID/root (the host's file system, which it needs to read the layers) would be
 * open to every container process whose capabilities cover its own. So the parent forks it
 * before the release: it enters only the child's user namespace (the files it creates get
 * the container's ids) and the child's mount namespace (so the mount is the child's), stays
 * in the host's pid namespace, where no container process can name it, and is killed when
 * the container ends.
 *
 * Its root is a detached clone of the host's tree: pivot_root re-roots every process of the
 * mount namespace whose root is the old root, which would take the layers away from it. The
 * mount point is the container's work directory, opened before the chroot and passed as
 * /proc/self/fd/N; the child later finds the mount there under /oldroot and moves it to
 * /newroot (mounts.c). Nothing else in that namespace looks into the work directory, and the
 * daemon's own view (the clone) still has the real one. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "launcher.h"

#define MOUNT_TIMEOUT_MS 10000

static const struct directive *fuse_overlayfs_directive(const struct plan *p)
{
	for (size_t i = 0; i < p->n_ops; i++)
		if (p->ops[i].id == DIR_ROOTFS_FUSE_OVERLAYFS)
			return &p->ops[i];
	return NULL;
}

static void __attribute__((noreturn)) exec_daemon(char **a, pid_t child, int userns_fd)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	/* out of the caller's session: ^C at the terminal signals its foreground group, and the
	 * daemon under the container's root must not die of it (the container gets it, forwarded) */
	setsid();
	char path[64], opts[65536], target[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)child);
	int mntns = open(path, O_RDONLY | O_CLOEXEC);
	/* with --network container:X we are in the container's user namespace already (EINVAL) */
	if (mntns < 0 || (setns(userns_fd, CLONE_NEWUSER) < 0 && errno != EINVAL) || setns(mntns, CLONE_NEWNS) < 0)
		_exit(126);
	int root = (int)syscall(SYS_open_tree, AT_FDCWD, "/", OPEN_TREE_CLONE | AT_RECURSIVE);
	int mnt = open(a[3], O_PATH | O_DIRECTORY);
	if (root < 0 || mnt < 0 || fchdir(root) < 0 || chroot(".") < 0 || chdir("/") < 0)
		_exit(126);
	/* fsync=0: the upper dir is the container's scratch space, as with the kernel's overlay,
	 * which does not sync either (podman passes it too); 30% faster on small files here */
	size_t o = (size_t)snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s,fsync=0", a[1], a[2], a[3]);
	if (o >= sizeof(opts))
		_exit(125);
	/* stderr stays: the launcher's, so a failure of the daemon is seen */
	null_stdio(true);
	if (dup2(mnt, 3) < 0)
		_exit(126);
	snprintf(target, sizeof(target), "/proc/self/fd/3");
	syscall(SYS_close_range, 4U, ~0U, 0U);
	char *argv[] = { a[0], "-f", "-o", opts, target, NULL };
	char *envp[] = { NULL };
	execve(a[0], argv, envp);
	_exit(127);
}

/* Whether the child's mount namespace has a mount on `dir` yet (its mountinfo, field 5). */
static bool mounted(pid_t child, const char *dir)
{
	char path[64], line[8192];
	snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)child);
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	bool found = false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *field = line;
		for (int i = 0; i < 4 && field; i++)
			field = strchr(field, ' ') ? strchr(field, ' ') + 1 : NULL;
		size_t n = strlen(dir);
		found = field && strncmp(field, dir, n) == 0 && field[n] == ' ';
	}
	fclose(f);
	return found;
}

int spawn_fuse_overlayfs(const struct plan *p, struct session *s, char *err, size_t errlen)
{
	const struct directive *d = fuse_overlayfs_directive(p);
	if (!d)
		return 0;
	if (s->fuse > 0)
		while (waitpid(s->fuse, NULL, 0) < 0 && errno == EINTR)
			;
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		exec_daemon(d->argv, s->child, s->userns_fd);
	}
	s->fuse = pid;
	/* the workload may not start before its root exists: wait for the mount (or the end) */
	for (int waited = 0; waited < MOUNT_TIMEOUT_MS; waited++) {
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			s->fuse = 0;
			snprintf(err, errlen, "fuse-overlayfs failed (exit %d): check /dev/fuse access with `nook doctor`",
				 WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
			return -1;
		}
		if (mounted(s->child, d->argv[3]))
			return 0;
		struct timespec ms = { 0, 1000000L };
		nanosleep(&ms, NULL);
	}
	stop_fuse_overlayfs(s);
	snprintf(err, errlen, "fuse-overlayfs did not mount the root within %d s", MOUNT_TIMEOUT_MS / 1000);
	return -1;
}

void stop_fuse_overlayfs(struct session *s)
{
	if (s->fuse <= 0)
		return;
	kill(s->fuse, SIGKILL);
	while (waitpid(s->fuse, NULL, 0) < 0 && errno == EINTR)
		;
	s->fuse = 0;
}
