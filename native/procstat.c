/* Fields of /proc/PID/stat. They are counted from the last ')' of "pid (comm)": the comm
 * may hold spaces and parentheses. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "launcher.h"

int proc_stat_fields(char *line, int first, int last, unsigned long long *out)
{
	char *f = strrchr(line, ')');
	if (!f)
		return -1;
	int field = 3; /* the state, right after the comm */
	char *save = NULL;
	for (char *tok = strtok_r(f + 1, " ", &save); tok && field <= last; tok = strtok_r(NULL, " ", &save), field++)
		if (field >= first)
			out[field - first] = strtoull(tok, NULL, 10);
	return field > last ? 0 : -1;
}

int host_proc_stat(pid_t pid, int first, int last, unsigned long long *out)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return proc_stat_fields(buf, first, last, out);
}
