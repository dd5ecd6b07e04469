/* Errors leave as one line on stderr ("nook: ..."), or as JSON lines on the status fd when
 * the CLI asked for one (detached runs, store helpers). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "launcher.h"

static int status_fd = -1;

void status_init(int fd) { status_fd = fd; }

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void emit(const char *line)
{
	size_t len = strlen(line), off = 0;
	while (off < len) {
		ssize_t n = write(status_fd, line + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		off += (size_t)n;
	}
}

/* {"type":TYPE,KEY:N}: the launcher's progress events */
static void status_event(const char *type, const char *key, int value)
{
	if (status_fd < 0)
		return;
	char line[96];
	snprintf(line, sizeof(line), "{\"type\":\"%s\",\"%s\":%d}\n", type, key, value);
	emit(line);
}

/* one line the caller formatted (usage.c), when there is a status fd */
void status_line(const char *line)
{
	if (status_fd >= 0)
		emit(line);
}

void status_child(pid_t pid) { status_event("child", "pid", (int)pid); }
void status_started(pid_t pid) { status_event("started", "pid", (int)pid); }
void status_exit(int code) { status_event("exit", "code", code); }

void status_error(const char *stage, int err, const char *msg)
{
	if (status_fd < 0) {
		fprintf(stderr, "nook: %s\n", msg);
		return;
	}
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	if (!f)
		return;
	fprintf(f, "{\"type\":\"error\",\"stage\":");
	json_string(f, stage);
	fprintf(f, ",\"errno\":%d,\"msg\":", err);
	json_string(f, msg);
	fprintf(f, "}\n");
	fclose(f);
	emit(buf);
	free(buf);
}

void die(const char *stage, int err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	status_error(stage, err, msg);
	exit(125);
}

/* In the child, failures travel to the parent over the sync socket, word for word; the
 * parent prints them (the child's stderr may already belong to the container). */
static int child_sock = -1;

void set_child_socket(int sock) { child_sock = sock; }

void child_fail(int sock, const char *stage, int err, int exit_code, const char *fmt, ...)
{
	struct sync_msg m = { .type = SYNC_ERROR, .err = err, .exit_code = exit_code };
	snprintf(m.stage, sizeof(m.stage), "%s", stage);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m.text, sizeof(m.text), fmt, ap);
	va_end(ap);
	if (sock < 0)
		sock = child_sock;
	if (sock < 0 || sync_send(sock, &m, -1) < 0)
		fprintf(stderr, "nook: %s\n", m.text);
	_exit(exit_code);
}
