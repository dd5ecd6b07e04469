/* The child builds the container's root: a private tmpfs becomes "/" with the host's root
 * at /oldroot (bubblewrap's layout), the new root is assembled at /newroot in directive
 * order, then pivot_root makes it "/" and the old root is detached.
 *
 * Every container path is resolved with openat2(RESOLVE_IN_ROOT) against /newroot, so a
 * symlink in an image (/etc/resolv.conf -> /oldroot/..., ../../..) can never place a mount
 * outside the new root; mounts are attached through file descriptors with the new mount
 * API (open_tree, fsopen, move_mount), so no path is resolved twice. Host paths (sources)
 * come from the CLI already canonical, so prefixing /oldroot resolves them unchanged. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "launcher.h"

#define FAIL(err, ...) child_fail(-1, "mount", (err), 125, __VA_ARGS__)

static int root_fd = -1;

static int resolve(const char *path, int oflags)
{
	struct open_how how = {
		.flags = (unsigned long long)(O_PATH | O_CLOEXEC | oflags),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	return (int)syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
}

/* Opens (creating when missing) the mount point for dest: a directory, or a file for a
 * file bind. Parents are created as 0755 directories, each step resolved inside the root. */
static int ensure_target(const char *dest, bool dir)
{
	int fd = resolve(dest, 0);
	if (fd >= 0 || errno != ENOENT)
		return fd;
	char path[4096];
	snprintf(path, sizeof(path), "%s", dest);
	size_t len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		path[--len] = '\0';
	char *slash = strrchr(path, '/');
	if (!slash || slash[1] == '\0') {
		errno = EINVAL;
		return -1;
	}
	*slash = '\0';
	const char *parent = path[0] ? path : "/";
	const char *name = slash + 1;
	int pfd = ensure_target(parent, true);
	if (pfd < 0)
		return -1;
	/* mkdirat/openat need a real directory fd, not O_PATH */
	int dfd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(pfd);
	if (dfd < 0)
		return -1;
	int rc;
	if (dir) {
		rc = mkdirat(dfd, name, 0755);
	} else {
		rc = openat(dfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (rc >= 0)
			rc = close(rc);
	}
	int e = errno;
	close(dfd);
	if (rc < 0 && e != EEXIST) {
		errno = e;
		return -1;
	}
	return resolve(dest, 0);
}

static void attach(int mnt, const char *dest, bool dir)
{
	int t = ensure_target(dest, dir);
	if (t < 0)
		FAIL(errno, "cannot create mount point %s: %s", dest, strerror(errno));
	if (move_mount(mnt, "", t, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		FAIL(errno, "cannot mount on %s: %s", dest, strerror(errno));
	close(t);
	close(mnt);
}

/* A new file system instance; opts is "k=v,k2,..." (a bare key is a flag). */
static int new_fs(const char *type, const char *opts, unsigned attrs)
{
	int fs = fsopen(type, FSOPEN_CLOEXEC);
	if (fs < 0)
		return -1;
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", opts ? opts : "");
	for (char *save = NULL, *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		int rc;
		if (eq) {
			*eq = '\0';
			rc = fsconfig(fs, FSCONFIG_SET_STRING, kv, eq + 1, 0);
		} else {
			rc = fsconfig(fs, FSCONFIG_SET_FLAG, kv, NULL, 0);
		}
		if (rc < 0) {
			int e = errno;
			close(fs);
			errno = e;
			return -1;
		}
	}
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		int e = errno;
		close(fs);
		errno = e;
		return -1;
	}
	int mnt = fsmount(fs, FSMOUNT_CLOEXEC, attrs);
	int e = errno;
	close(fs);
	errno = e;
	return mnt;
}

static int set_readonly(int fd, const char *path, unsigned flags)
{
	struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };
	return mount_setattr(fd, path, flags | AT_RECURSIVE, &a, sizeof(a));
}

/* A recursive bind of a host path (already canonical), optionally read-only. */
static int clone_host(const char *src, bool ro)
{
	char path[4096];
	snprintf(path, sizeof(path), "/oldroot%s", strcmp(src, "/") == 0 ? "" : src);
	int t = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (t < 0)
		return -1;
	if (ro && set_readonly(t, "", AT_EMPTY_PATH) < 0) {
		int e = errno;
		close(t);
		errno = e;
		return -1;
	}
	return t;
}

static void mount_tmpfs(const char *dest, const char *opts, unsigned attrs)
{
	int m = new_fs("tmpfs", opts, attrs);
	if (m < 0)
		FAIL(errno, "cannot mount tmpfs on %s (%s): %s", dest, opts, strerror(errno));
	attach(m, dest, true);
}

static void mount_overlay(char *lowers, const char *upper, const char *work, bool volatile_upper)
{
	int fs = fsopen("overlay", FSOPEN_CLOEXEC);
	if (fs < 0)
		FAIL(errno, "overlay is not available: %s (try --storage-driver fuse-overlayfs)", strerror(errno));
	char path[4096], joined[65536] = "";
	size_t jl = 0;
	bool appended = true;
	for (char *save = NULL, *l = strtok_r(lowers, ":", &save); l; l = strtok_r(NULL, ":", &save)) {
		snprintf(path, sizeof(path), "/oldroot%s", l);
		/* lowerdir+ (Linux 6.8) adds one layer at a time: no option-length limit on layers */
		if (appended && fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", path, 0) < 0)
			appended = false;
		int w = snprintf(joined + jl, sizeof(joined) - jl, "%s%s", jl ? ":" : "", path);
		if (w < 0 || (size_t)w >= sizeof(joined) - jl)
			FAIL(E2BIG, "too many layers for this kernel's overlay");
		jl += (size_t)w;
	}
	if (!appended && fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir", joined, 0) < 0)
		FAIL(errno, "overlay lowerdir: %s", strerror(errno));
	snprintf(path, sizeof(path), "/oldroot%s", upper);
	if (fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", path, 0) < 0)
		FAIL(errno, "overlay upperdir %s: %s", upper, strerror(errno));
	snprintf(path, sizeof(path), "/oldroot%s", work);
	if (fsconfig(fs, FSCONFIG_SET_STRING, "workdir", path, 0) < 0)
		FAIL(errno, "overlay workdir %s: %s", work, strerror(errno));
	if (fsconfig(fs, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0)
		FAIL(errno, "overlay userxattr: %s (kernel too old for rootless overlay; try --storage-driver fuse-overlayfs)", strerror(errno));
	/* Without it, unmounting syncs the whole file system under the upper dir (the user's
	 * home, everything dirty on it) when the container ends: wasted on an upper that is removed
	 * next. The kernel then marks the work dir so that it is never mounted again unchecked
	 * (the CLI empties it first: containers/start.ts). */
	if (volatile_upper && fsconfig(fs, FSCONFIG_SET_FLAG, "volatile", NULL, 0) < 0)
		FAIL(errno, "overlay volatile: %s", strerror(errno));
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		FAIL(errno, "cannot create the overlay root: %s (try --storage-driver fuse-overlayfs)", strerror(errno));
	int m = fsmount(fs, FSMOUNT_CLOEXEC, 0);
	if (m < 0)
		FAIL(errno, "overlay fsmount: %s", strerror(errno));
	close(fs);
	if (move_mount(m, "", AT_FDCWD, "/newroot", MOVE_MOUNT_F_EMPTY_PATH) < 0)
		FAIL(errno, "cannot attach the overlay root: %s", strerror(errno));
	close(m);
}

static void make_dev(const struct plan *p, const char *dest)
{
	mount_tmpfs(dest, "mode=755,size=65536k", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
	static const char *const nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };
	char path[4096], src[64];
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		snprintf(src, sizeof(src), "/dev/%s", nodes[i]);
		snprintf(path, sizeof(path), "%s/%s", dest, nodes[i]);
		int t = clone_host(src, false);
		if (t < 0)
			FAIL(errno, "cannot bind %s: %s", src, strerror(errno));
		attach(t, path, false);
	}
	/* devpts: a private instance, so the container's ptys are its own; gid=5 only where the
	 * tty group is mapped (a single-id map has no gid 5) */
	char opts[128];
	snprintf(opts, sizeof(opts), "newinstance,ptmxmode=0666,mode=0620%s", gid_is_mapped(p, 5) ? ",gid=5" : "");
	int m = new_fs("devpts", opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
	if (m < 0)
		FAIL(errno, "cannot mount devpts: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/pts", dest);
	attach(m, path, true);
	snprintf(path, sizeof(path), "%s/shm", dest);
	mount_tmpfs(path, "mode=1777,size=65536k", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);

	int d = resolve(dest, O_DIRECTORY);
	int dfd = d < 0 ? -1 : openat(d, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		FAIL(errno, "cannot open %s: %s", dest, strerror(errno));
	close(d);
	static const char *const links[][2] = {
		{ "pts/ptmx", "ptmx" }, { "/proc/self/fd", "fd" }, { "/proc/self/fd/0", "stdin" },
		{ "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
	};
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (symlinkat(links[i][0], dfd, links[i][1]) < 0)
			FAIL(errno, "cannot create %s/%s: %s", dest, links[i][1], strerror(errno));
	close(dfd);
}

static void make_sys(const struct plan *p, const char *dest)
{
	/* A fresh sysfs needs a network namespace of our own; otherwise bind the host's. */
	int m = p->unshare_net ? new_fs("sysfs", NULL, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC) : -1;
	if (m < 0)
		m = clone_host("/sys", true);
	if (m < 0)
		FAIL(errno, "cannot mount /sys: %s", strerror(errno));
	attach(m, dest, true);
}

/* The mount point of an operation for which a missing path is fine (mask, remount-ro): -1 then. */
static int resolve_existing(const char *dest, const char *what)
{
	int t = resolve(dest, 0);
	if (t < 0 && errno != ENOENT)
		FAIL(errno, "cannot %s %s: %s", what, dest, strerror(errno));
	return t;
}

static void mask(const char *dest)
{
	int t = resolve_existing(dest, "mask");
	if (t < 0)
		return;
	struct stat st;
	if (fstat(t, &st) < 0)
		FAIL(errno, "cannot mask %s: %s", dest, strerror(errno));
	int m = S_ISDIR(st.st_mode) ? new_fs("tmpfs", "size=4k,mode=555", MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)
				    : clone_host("/dev/null", true);
	if (m < 0 || move_mount(m, "", t, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		FAIL(errno, "cannot mask %s: %s", dest, strerror(errno));
	close(m);
	close(t);
}

static void remount_ro(const char *dest)
{
	int t = resolve_existing(dest, "make read-only");
	if (t < 0)
		return;
	/* bind the path onto itself first: it need not be a mount point (/proc/sys is not) */
	int c = open_tree(t, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
	if (c < 0 || set_readonly(c, "", AT_EMPTY_PATH) < 0 ||
	    move_mount(c, "", t, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		FAIL(errno, "cannot make %s read-only: %s", dest, strerror(errno));
	close(c);
	close(t);
}

static void bind(const char *src, const char *dest, bool ro)
{
	char path[4096];
	struct stat st;
	snprintf(path, sizeof(path), "/oldroot%s", src);
	if (stat(path, &st) < 0)
		FAIL(errno, "bind source %s: %s", src, strerror(errno));
	int t = clone_host(src, ro);
	if (t < 0)
		FAIL(errno, "cannot bind %s: %s", src, strerror(errno));
	attach(t, dest, S_ISDIR(st.st_mode));
}

/* fuse-overlayfs was started by the parent (fuse.c), outside our pid namespace, and has
 * mounted the root on the work directory in our mount namespace: move that mount here. */
static void attach_fuse_overlayfs(const char *work)
{
	int t = clone_host(work, false);
	if (t < 0 || move_mount(t, "", AT_FDCWD, "/newroot", MOVE_MOUNT_F_EMPTY_PATH) < 0)
		FAIL(errno, "cannot attach the fuse-overlayfs root: %s", strerror(errno));
	close(t);
}

void setup_rootfs(const struct plan *p)
{
	/* Nothing we mount may propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		FAIL(errno, "cannot make mounts private: %s", strerror(errno));
	if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700,size=64k") < 0)
		FAIL(errno, "cannot mount the staging tmpfs: %s", strerror(errno));
	if (mkdir("/tmp/newroot", 0755) < 0 || mkdir("/tmp/oldroot", 0755) < 0)
		FAIL(errno, "staging: %s", strerror(errno));
	if (syscall(SYS_pivot_root, "/tmp", "/tmp/oldroot") < 0)
		FAIL(errno, "pivot_root to the staging tmpfs: %s", strerror(errno));
	if (chdir("/") < 0)
		FAIL(errno, "chdir: %s", strerror(errno));

	for (size_t i = 0; i < p->n_ops; i++) {
		const struct directive *d = &p->ops[i];
		char **a = d->argv;
		unsigned flags = directive_table[d->id].flags;
		if (root_fd < 0 && (flags & DF_IN_ROOT))
			FAIL(EINVAL, "%s before the root file system", directive_table[d->id].name);
		switch (d->id) {
		case DIR_ROOTFS_BIND: {
			int t = clone_host(a[0], false);
			if (t < 0 || move_mount(t, "", AT_FDCWD, "/newroot", MOVE_MOUNT_F_EMPTY_PATH) < 0)
				FAIL(errno, "cannot bind the root file system %s: %s", a[0], strerror(errno));
			close(t);
			break;
		}
		case DIR_ROOTFS_OVERLAY:
			mount_overlay(a[0], a[1], a[2], p->overlay_volatile);
			break;
		case DIR_ROOTFS_FUSE_OVERLAYFS:
			attach_fuse_overlayfs(a[3]);
			break;
		case DIR_READONLY_ROOT_RECURSIVE:
			if (set_readonly(AT_FDCWD, "/newroot", 0) < 0)
				FAIL(errno, "cannot make the root read-only: %s", strerror(errno));
			break;
		case DIR_PROC: {
			int m = new_fs("proc", NULL, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
			if (m < 0)
				FAIL(errno, "cannot mount proc: %s", strerror(errno));
			attach(m, a[0], true);
			break;
		}
		case DIR_DEV: make_dev(p, a[0]); break;
		case DIR_MQUEUE: {
			int m = new_fs("mqueue", NULL, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
			if (m >= 0)
				attach(m, a[0], true);
			break;
		}
		case DIR_SYS: make_sys(p, a[0]); break;
		case DIR_TMPFS: mount_tmpfs(a[0], a[1], MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV); break;
		case DIR_BIND: bind(a[0], a[1], false); break;
		case DIR_BIND_RO: bind(a[0], a[1], true); break;
		case DIR_MASK: mask(a[0]); break;
		case DIR_REMOUNT_RO: remount_ro(a[0]); break;
		case DIR_READONLY_ROOT: {
			struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };
			if (mount_setattr(AT_FDCWD, "/newroot", 0, &ro, sizeof(ro)) < 0)
				FAIL(errno, "cannot make the root read-only: %s", strerror(errno));
			break;
		}
		default: break;
		}
		/* the root exists once the rootfs directive ran; later paths resolve inside it */
		if ((flags & DF_NEW_ROOT) && root_fd < 0) {
			root_fd = open("/newroot", O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (root_fd < 0)
				FAIL(errno, "open /newroot: %s", strerror(errno));
		}
	}
	if (root_fd < 0)
		FAIL(EINVAL, "no root file system directive");

	if (fchdir(root_fd) < 0)
		FAIL(errno, "chdir /newroot: %s", strerror(errno));
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		FAIL(errno, "pivot_root: %s", strerror(errno));
	if (umount2(".", MNT_DETACH) < 0)
		FAIL(errno, "cannot detach the old root: %s", strerror(errno));
	if (chdir("/") < 0)
		FAIL(errno, "chdir /: %s", strerror(errno));
	close(root_fd);
}
