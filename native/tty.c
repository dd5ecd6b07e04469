/* Terminals: the pty pair comes from the container's own devpts instance (so the
 * container's tty is its own), and its master is handed to the launcher over the sync
 * socket; the launcher puts the caller's terminal in raw mode and restores it on the way out. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>
#include "launcher.h"

int tty_open_pair(int *master, int *slave)
{
	*master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*master < 0)
		return -1;
	int unlock = 0;
	if (ioctl(*master, TIOCSPTLCK, &unlock) < 0)
		return -1;
	/* TIOCGPTPEER opens the peer through the master: no path lookup an attacker could race */
	*slave = ioctl(*master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	return *slave < 0 ? -1 : 0;
}

int send_fd(int sock, enum child_msg_type type, int fd)
{
	struct child_msg m = { .type = type };
	struct iovec iov = { .iov_base = &m, .iov_len = sizeof(m) };
	char ctl[CMSG_SPACE(sizeof(int))];
	memset(ctl, 0, sizeof(ctl));
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == (ssize_t)sizeof(m) ? 0 : -1;
}

/* Receives one message; returns a passed fd, -1 when none came with it, -2 on EOF/error. */
int recv_fd(int sock, struct child_msg *m)
{
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	char ctl[CMSG_SPACE(sizeof(int))];
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	ssize_t n;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(*m))
		return -2;
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (c && c->cmsg_type == SCM_RIGHTS) {
		int fd;
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
		return fd;
	}
	return -1;
}

static struct termios saved;
static int saved_fd = -1;

void tty_raw(int fd)
{
	if (tcgetattr(fd, &saved) < 0)
		return;
	struct termios raw = saved;
	cfmakeraw(&raw);
	if (tcsetattr(fd, TCSAFLUSH, &raw) == 0)
		saved_fd = fd;
}

void tty_restore(void)
{
	if (saved_fd >= 0)
		tcsetattr(saved_fd, TCSAFLUSH, &saved);
	saved_fd = -1;
}
