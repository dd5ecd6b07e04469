/* Terminals: the pty pair comes from the container's own devpts instance (so the
 * container's tty is its own), and its master is handed to the launcher over the sync
 * socket; the launcher puts the caller's terminal in raw mode and restores it on the way out. */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
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
