/* The attach socket of a detached container: clients (`nook attach`, `start -ai`) send the
 * container its input; output reaches them through the log, which they follow. Only the
 * user who owns the supervisor may connect (SO_PEERCRED), on top of the 0700 directory. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "launcher.h"

#define MAX_CLIENTS 8

static int clients[MAX_CLIENTS] = { -1, -1, -1, -1, -1, -1, -1, -1 };

int attach_listen(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(addr.sun_path))
		die("attach", ENAMETOOLONG, "attach socket path too long: %s", path);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	unlink(path);
	mode_t old = umask(077);
	int rc = fd < 0 ? -1 : bind(fd, (struct sockaddr *)&addr, sizeof(addr));
	umask(old);
	if (rc < 0 || listen(fd, MAX_CLIENTS) < 0)
		die("attach", errno, "cannot listen on %s: %s", path, strerror(errno));
	return fd;
}

void attach_accept(int listen_fd)
{
	int c = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (c < 0)
		return;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != getuid()) {
		close(c);
		return;
	}
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (clients[i] < 0) {
			clients[i] = c;
			return;
		}
	close(c);
}

/* Fills fds with the clients; returns how many. */
int attach_poll_fds(struct pollfd *fds, int max)
{
	int n = 0;
	for (int i = 0; i < MAX_CLIENTS && n < max; i++)
		if (clients[i] >= 0)
			fds[n++] = (struct pollfd){ .fd = clients[i], .events = POLLIN };
	return n;
}

/* Moves what the clients sent to `target` (the pty master or stdin pipe; -1 discards). */
void attach_input(const struct pollfd *fds, int n, int target)
{
	char buf[4096];
	for (int k = 0; k < n; k++) {
		if (!(fds[k].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		ssize_t r = read(fds[k].fd, buf, sizeof(buf));
		if (r > 0) {
			if (target >= 0 && write(target, buf, (size_t)r) < 0 && errno != EAGAIN)
				target = -1;
			continue;
		}
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		for (int i = 0; i < MAX_CLIENTS; i++)
			if (clients[i] == fds[k].fd)
				clients[i] = -1;
		close(fds[k].fd);
	}
}

void attach_close_all(void)
{
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (clients[i] >= 0) {
			close(clients[i]);
			clients[i] = -1;
		}
}
