/* The parent writes the child's id maps from outside the new user namespace: through the
 * system's setuid newuidmap/newgidmap for subordinate ranges, or directly for the single-id
 * map an unprivileged process may write for itself (setgroups must be denied first). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "launcher.h"

static int write_file(const char *path, const char *data, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, data, strlen(data)) != (ssize_t)strlen(data)) {
		int e = errno;
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(e));
		if (fd >= 0)
			close(fd);
		errno = e;
		return -1;
	}
	close(fd);
	return 0;
}

static int run_helper(const char *helper, pid_t child, const struct id_range *r, size_t n, char *err, size_t errlen)
{
	char *argv[3 + 64 * 3 + 1];
	char nums[64 * 3 + 1][24];
	size_t a = 0;
	argv[a++] = (char *)helper;
	snprintf(nums[0], sizeof(nums[0]), "%d", (int)child);
	argv[a++] = nums[0];
	for (size_t i = 0; i < n; i++) {
		snprintf(nums[1 + 3 * i], 24, "%lu", r[i].inside);
		snprintf(nums[2 + 3 * i], 24, "%lu", r[i].outside);
		snprintf(nums[3 + 3 * i], 24, "%lu", r[i].count);
		argv[a++] = nums[1 + 3 * i];
		argv[a++] = nums[2 + 3 * i];
		argv[a++] = nums[3 + 3 * i];
	}
	argv[a] = NULL;

	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		dup2(pipefd[1], 2);
		execv(helper, argv);
		dprintf(2, "cannot execute: %s", strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	char out[400] = "";
	size_t used = 0;
	ssize_t k;
	while (used < sizeof(out) - 1 && (k = read(pipefd[0], out + used, sizeof(out) - 1 - used)) > 0)
		used += (size_t)k;
	out[used] = '\0';
	close(pipefd[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	char *nl = strchr(out, '\n');
	if (nl)
		*nl = '\0';
	snprintf(err, errlen, "%s failed: %s (check `nook doctor`: %s must be setuid root or have file capabilities, and your /etc/subuid and /etc/subgid ranges must match)", helper, out[0] ? out : "no output", helper);
	return -1;
}

static int format_map(const struct id_range *r, size_t n, char *buf, size_t len)
{
	size_t off = 0;
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(buf + off, len - off, "%lu %lu %lu\n", r[i].inside, r[i].outside, r[i].count);
		if (w < 0 || (size_t)w >= len - off)
			return -1;
		off += (size_t)w;
	}
	return 0;
}

/* One of the two maps: through its helper (newuidmap/newgidmap), or written directly. */
static int write_map(const char *helper, const char *file, const struct id_range *r, size_t n, pid_t child, char *err, size_t errlen)
{
	if (helper)
		return run_helper(helper, child, r, n, err, errlen);
	char path[64], map[64 * 72];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)child, file);
	if (format_map(r, n, map, sizeof(map)) < 0) {
		snprintf(err, errlen, "cannot write %s: too many ranges", path);
		return -1;
	}
	return write_file(path, map, err, errlen);
}

int write_id_maps(const struct plan *p, pid_t child, char *err, size_t errlen)
{
	if (p->setgroups_deny) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)child);
		if (write_file(path, "deny", err, errlen))
			return -1;
	}
	if (write_map(p->uid_helper, "uid_map", p->uid_map, p->n_uid_map, child, err, errlen) ||
	    write_map(p->gid_helper, "gid_map", p->gid_map, p->n_gid_map, child, err, errlen))
		return -1;
	return 0;
}
