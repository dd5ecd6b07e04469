/* What a detached container leaves for the CLI's other verbs: its state as one JSON object,
 * replaced atomically (temp, fsync, rename; no fsync for a --rm container, whose files go at
 * its exit: a power cut may lose it, a kill cannot), and its output as Docker json-file lines
 * ({"log":..., "stream":..., "time":...}), rotated by size. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "launcher.h"

void now_rfc3339(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	char base[32];
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%09ldZ", base, ts.tv_nsec);
}

static char started_at[48];

void record_state(const struct plan *p, const struct session *s, const char *status, int exit_code)
{
	if (!p->state_file)
		return;
	char now[48], tmp[4200];
	now_rfc3339(now, sizeof(now));
	if (strcmp(status, "running") == 0)
		snprintf(started_at, sizeof(started_at), "%s", now);
	snprintf(tmp, sizeof(tmp), "%s.tmp-%d", p->state_file, (int)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	bool running = strcmp(status, "running") == 0;
	dprintf(fd,
		"{\"status\":\"%s\",\"pid\":%d,\"supervisorPid\":%d,\"startedAt\":\"%s\",\"finishedAt\":\"%s\","
		"\"exitCode\":%d,\"restartCount\":%u}\n",
		status, running ? (int)s->child : 0, (int)getpid(), started_at, running ? "" : now, running ? 0 : exit_code,
		s->restarts);
	if (p->n_remove == 0)
		fsync(fd);
	close(fd);
	rename(tmp, p->state_file);
}

static const struct plan *log_plan;
static int log_fd = -1;
static unsigned long long log_size;

void log_open(const struct plan *p)
{
	log_plan = p;
	log_fd = open(p->log_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	struct stat st;
	log_size = (log_fd >= 0 && fstat(log_fd, &st) == 0) ? (unsigned long long)st.st_size : 0;
}

static void rotate(void)
{
	char from[4200], to[4200];
	close(log_fd);
	for (unsigned i = log_plan->log_max_files - 1; i >= 1; i--) {
		if (i == 1)
			snprintf(from, sizeof(from), "%s", log_plan->log_file);
		else
			snprintf(from, sizeof(from), "%s.%u", log_plan->log_file, i - 1);
		snprintf(to, sizeof(to), "%s.%u", log_plan->log_file, i);
		rename(from, to);
	}
	if (log_plan->log_max_files == 1)
		unlink(log_plan->log_file);
	log_fd = open(log_plan->log_file, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
	log_size = 0;
}

static void emit_line(const char *stream, const char *text, size_t len)
{
	/* escaped text can be up to 6x longer; lines are at most 16 KiB (split like Docker) */
	static char line[16384 * 6 + 256];
	char now[48];
	now_rfc3339(now, sizeof(now));
	size_t o = (size_t)snprintf(line, sizeof(line), "{\"log\":\"");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c == '"' || c == '\\') {
			line[o++] = '\\';
			line[o++] = (char)c;
		} else if (c == '\n') {
			line[o++] = '\\';
			line[o++] = 'n';
		} else if (c < 0x20 || c == 0x7f) {
			o += (size_t)snprintf(line + o, 7, "\\u%04x", c);
		} else {
			line[o++] = (char)c;
		}
	}
	o += (size_t)snprintf(line + o, sizeof(line) - o, "\",\"stream\":\"%s\",\"time\":\"%s\"}\n", stream, now);
	if (log_plan->log_max_bytes && log_size + o > log_plan->log_max_bytes && log_size > 0)
		rotate();
	if (log_fd >= 0 && write(log_fd, line, o) == (ssize_t)o)
		log_size += o;
}

/* Partial lines wait for their newline, per stream; a full buffer is flushed as is. */
static struct { const char *name; char buf[16384]; size_t len; } pending[2] = { { "stdout", "", 0 }, { "stderr", "", 0 } };

void log_write(const char *stream, const char *buf, size_t len)
{
	if (log_fd < 0)
		return;
	int k = strcmp(stream, "stderr") == 0;
	for (size_t i = 0; i < len; i++) {
		pending[k].buf[pending[k].len++] = buf[i];
		if (buf[i] == '\n' || pending[k].len == sizeof(pending[k].buf)) {
			emit_line(pending[k].name, pending[k].buf, pending[k].len);
			pending[k].len = 0;
		}
	}
}

void log_flush(void)
{
	for (int k = 0; k < 2 && log_fd >= 0; k++)
		if (pending[k].len) {
			emit_line(pending[k].name, pending[k].buf, pending[k].len);
			pending[k].len = 0;
		}
}
