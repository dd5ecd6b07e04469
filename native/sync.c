/* The sync socket between the launcher and the container's first process: one named message
 * per send (SOCK_SEQPACKET keeps them whole), the pty master riding along as SCM_RIGHTS. The
 * socket is close-on-exec, so the child's exec is the end of the stream. The sequence is drawn
 * in main.c; a message out of order is an error that names what was expected. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "launcher.h"

static const char *const names[] = {
	[SYNC_RELEASE] = "release", [SYNC_NET_READY] = "net-ready", [SYNC_PTY] = "pty", [SYNC_ERROR] = "error", [SYNC_PROC] = "proc", [SYNC_MAPS] = "maps",
	[SYNC_COUNT_MAPPED] = "count-mapped", [SYNC_COUNTED] = "counted",
};

const char *sync_name(int type)
{
	return type >= 0 && (size_t)type < sizeof(names) / sizeof(names[0]) ? names[type] : NULL;
}

int sync_send(int sock, const struct sync_msg *m, int fd)
{
	struct iovec iov = { .iov_base = (void *)m, .iov_len = sizeof(*m) };
	char ctl[CMSG_SPACE(sizeof(int))];
	memset(ctl, 0, sizeof(ctl));
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (fd >= 0) {
		msg.msg_control = ctl;
		msg.msg_controllen = sizeof(ctl);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	ssize_t n;
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(*m) ? 0 : -1;
}

int sync_recv(int sock, struct sync_msg *m, int *fd, char *got, size_t gotlen)
{
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	char ctl[CMSG_SPACE(sizeof(int))];
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	ssize_t n;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	*fd = -1;
	struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
		memcpy(fd, CMSG_DATA(c), sizeof(int));
	if (n == 0) {
		snprintf(got, gotlen, "the end of the stream");
		return 0;
	}
	if (n == (ssize_t)sizeof(*m) && !(msg.msg_flags & MSG_TRUNC) && sync_name(m->type)) {
		m->stage[sizeof(m->stage) - 1] = m->text[sizeof(m->text) - 1] = '\0';
		snprintf(got, gotlen, "%s", sync_name(m->type));
		return 1;
	}
	if (n < 0)
		snprintf(got, gotlen, "a failed read (%s)", strerror(errno));
	else
		snprintf(got, gotlen, "a malformed message of %zd bytes", n);
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	return -1;
}

void sync_expect(int sock, enum sync_type want, struct sync_msg *m)
{
	char got[64];
	int fd;
	int r = sync_recv(sock, m, &fd, got, sizeof(got));
	if (r == 0)
		_exit(125); /* the launcher gave up before it got here: it reports why */
	if (fd >= 0)
		close(fd);
	if (r < 0 || m->type != (int)want)
		child_fail(sock, "sync", EPROTO, 125, "sync: expected %s from the launcher, got %s", sync_name(want), got);
}
