/*
 * The port forwarder: published ports that the network helper does not carry itself (the CLI
 * decides which: every port under slirp4netns, UDP under pasta). Podman's rootlessport does
 * the same job.
 *
 * It binds the host's sockets first, then enters the container's user and network
 * namespaces, so every socket it creates from then on belongs to the container's network:
 *  - a TCP connection accepted on the host is joined to a new connection to 127.0.0.1:PORT
 *    inside, and bytes move between the two with splice() through a pipe per direction, so
 *    they never cross into user space;
 *  - a UDP client (by address and port) gets its own socket inside, connected to
 *    127.0.0.1:PORT, which carries the replies back; it is closed after UDP_IDLE_S of silence.
 * The container sees its clients as 127.0.0.1.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "launcher.h"

#define PIPE_BYTES (1 << 18) /* 1 MiB measured no faster, and a user's pipe memory is limited */
#define UDP_IDLE_S 90 /* docker-proxy's UDP timeout */
#define MAX_FLOWS 4096
#define SWEEP_MS 5000

/* Every object epoll points at starts with its kind. */
enum kind { LISTENER, CONN, FLOW, CLOSED };

struct listener {
	enum kind kind;
	int fd;
	bool udp;
	unsigned short ctr;
};

/* One direction of a TCP connection: what the pipe holds and how far the stream has got. */
struct half {
	int pipe[2];
	size_t queued;
	bool eof, shut;
};

struct conn {
	enum kind kind;
	struct conn *next_closed;
	int fd[2];          /* 0: the client on the host, 1: the connection inside */
	struct half dir[2]; /* dir[0]: fd[0] -> fd[1]; dir[1]: fd[1] -> fd[0] */
	bool out[2];        /* EPOLLOUT requested on fd[i] */
	bool connecting;
};

struct flow {
	enum kind kind;
	int fd;
	struct listener *l;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	time_t last;
	struct flow *next;
};

static int ep;
/* closed during one batch of events, freed after it: a later event of the batch may name them */
static struct conn *closed;
static struct flow *flows;
static size_t n_flows, max_conns, n_conns;

static void fatal(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void fatal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdprintf(2, fmt, ap);
	va_end(ap);
	dprintf(2, "\n");
	_exit(1);
}

static time_t now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void watch(int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		fatal("epoll_ctl: %s", strerror(errno));
}

/* One host socket for a published port; false when this address family is absent here. */
static bool bind_host(const struct publish *pub, int family, const char *addr, struct listener *l)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	socklen_t len;
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_port = htons(pub->host);
		if (inet_pton(AF_INET, addr, &a->sin_addr) != 1)
			fatal("cannot publish %s:%u: not an IPv4 address", addr, pub->host);
		len = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(pub->host);
		if (inet_pton(AF_INET6, addr, &a->sin6_addr) != 1)
			fatal("cannot publish [%s]:%u: not an IPv6 address", addr, pub->host);
		len = sizeof(*a);
	}
	int fd = socket(family, (pub->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 && family == AF_INET6 && errno == EAFNOSUPPORT)
		return false;
	if (fd < 0)
		fatal("socket: %s", strerror(errno));
	int one = 1;
	if (!pub->udp)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		int e = errno;
		close(fd);
		/* "*" on a host without IPv6 addresses: IPv4 alone */
		if (family == AF_INET6 && strcmp(pub->addr, "*") == 0 && e == EADDRNOTAVAIL)
			return false;
		fatal("cannot publish %s%s%s:%u/%s: %s", family == AF_INET6 ? "[" : "", addr, family == AF_INET6 ? "]" : "",
		      pub->host, pub->udp ? "udp" : "tcp", strerror(e));
	}
	if (!pub->udp && listen(fd, 128) < 0)
		fatal("listen: %s", strerror(errno));
	*l = (struct listener){ LISTENER, fd, pub->udp, pub->ctr };
	return true;
}

static struct sockaddr_in inside(unsigned short port)
{
	return (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
}

static void conn_close(struct conn *c, bool reset)
{
	if (reset) {
		/* the client learns the port is closed inside, as it would from the container */
		struct linger lg = { 1, 0 };
		setsockopt(c->fd[0], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	for (int i = 0; i < 2; i++) {
		close(c->fd[i]);
		close(c->dir[i].pipe[0]);
		close(c->dir[i].pipe[1]);
	}
	c->kind = CLOSED;
	c->next_closed = closed;
	closed = c;
	n_conns--;
}

/* Moves what can move in direction d (fd[d] to fd[!d]); false on an error that ends the
 * connection. One splice into the pipe, one out of it, until neither moves. */
static bool pump(struct conn *c, int d)
{
	struct half *h = &c->dir[d];
	int from = c->fd[d], to = c->fd[!d];
	for (bool moved = true; moved;) {
		moved = false;
		if (!h->eof) {
			ssize_t n = splice(from, NULL, h->pipe[1], NULL, PIPE_BYTES, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				h->queued += (size_t)n;
				moved = true;
			} else if (n == 0) {
				h->eof = true;
			} else if (errno != EAGAIN && errno != EINTR) {
				return false;
			}
		}
		if (h->queued > 0) {
			ssize_t n = splice(h->pipe[0], NULL, to, NULL, h->queued, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				h->queued -= (size_t)n;
				moved = true;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				return false;
			}
		}
	}
	if (h->eof && h->queued == 0 && !h->shut) {
		shutdown(to, SHUT_WR);
		h->shut = true;
	}
	return true;
}

/* epoll's data for one socket of a connection: the connection, and which socket (bit 0). */
static uint64_t tag(struct conn *c, int side)
{
	return (uint64_t)(uintptr_t)c | (uint64_t)side;
}

/* Asks for EPOLLOUT on fd[side] only while a pipe waits to be written there: a socket is
 * writable nearly always, and every such wake-up would cost a round of splices. */
static void want_out(struct conn *c, int side, bool want)
{
	if (c->out[side] == want)
		return;
	c->out[side] = want;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP | EPOLLET | (want ? EPOLLOUT : 0), .data.u64 = tag(c, side) };
	epoll_ctl(ep, EPOLL_CTL_MOD, c->fd[side], &ev);
}

static void conn_event(struct conn *c, int side, uint32_t events)
{
	if (c->connecting) {
		/* only the inside socket tells: SO_ERROR reads 0 while a connect is under way */
		if (side != 1)
			return;
		int e = 0;
		socklen_t len = sizeof(e);
		getsockopt(c->fd[1], SOL_SOCKET, SO_ERROR, &e, &len);
		if (e == EINPROGRESS || e == EALREADY)
			return;
		if (e) {
			conn_close(c, true);
			return;
		}
		c->connecting = false;
		events = EPOLLIN | EPOLLOUT; /* whatever the client sent meanwhile, both ways */
		side = -1;
	}
	/* readable here: data leaves from this side; writable: the other direction drains here */
	for (int d = 0; d < 2; d++) {
		bool reads = (side < 0 || side == d) && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR));
		bool writes = (side < 0 || side == !d) && (events & (EPOLLOUT | EPOLLERR));
		if ((reads || writes) && !pump(c, d)) {
			conn_close(c, false);
			return;
		}
		want_out(c, !d, c->dir[d].queued > 0);
	}
	if (c->dir[0].shut && c->dir[1].shut)
		conn_close(c, false);
}

static int pipe_pair(int p[2])
{
	if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0)
		return -1;
	fcntl(p[0], F_SETPIPE_SZ, PIPE_BYTES); /* the user's pipe budget may refuse: the default then */
	return 0;
}

static void tcp_accept(struct listener *l)
{
	for (;;) {
		int client = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (client < 0)
			return; /* EAGAIN, or out of descriptors: the backlog waits */
		struct conn *c = n_conns < max_conns ? calloc(1, sizeof(*c)) : NULL;
		int fd = c ? socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) : -1;
		if (fd < 0 || pipe_pair(c->dir[0].pipe) < 0 || pipe_pair(c->dir[1].pipe) < 0) {
			if (fd >= 0)
				close(fd);
			if (c) {
				for (int i = 0; i < 2; i++)
					if (c->dir[i].pipe[0] > 0) {
						close(c->dir[i].pipe[0]);
						close(c->dir[i].pipe[1]);
					}
				free(c);
			}
			close(client);
			continue;
		}
		n_conns++;
		c->kind = CONN;
		c->fd[0] = client;
		c->fd[1] = fd;
		struct sockaddr_in to = inside(l->ctr);
		int r = connect(fd, (struct sockaddr *)&to, sizeof(to));
		if (r < 0 && errno != EINPROGRESS) {
			conn_close(c, true);
			continue;
		}
		c->connecting = r < 0;
		c->out[1] = true; /* until connected */
		watch(client, EPOLLIN | EPOLLRDHUP | EPOLLET, tag(c, 0));
		watch(fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, tag(c, 1));
		if (!c->connecting)
			conn_event(c, -1, 0);
	}
}

static void flow_close(struct flow **link)
{
	struct flow *f = *link;
	*link = f->next;
	close(f->fd);
	free(f);
	n_flows--;
}

static struct flow *flow_for(struct listener *l, const struct sockaddr_storage *peer, socklen_t len)
{
	for (struct flow *f = flows; f; f = f->next)
		if (f->l == l && f->peerlen == len && memcmp(&f->peer, peer, len) == 0)
			return f;
	if (n_flows >= MAX_FLOWS)
		return NULL;
	struct flow *f = calloc(1, sizeof(*f));
	int fd = f ? socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) : -1;
	struct sockaddr_in to = inside(l->ctr);
	if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0) {
		if (fd >= 0)
			close(fd);
		free(f);
		return NULL;
	}
	*f = (struct flow){ FLOW, fd, l, *peer, len, now_s(), flows };
	flows = f;
	n_flows++;
	watch(fd, EPOLLIN, (uint64_t)(uintptr_t)f);
	return f;
}

static char dgram[65536];

static void udp_from_client(struct listener *l)
{
	for (;;) {
		struct sockaddr_storage peer;
		socklen_t len = sizeof(peer);
		ssize_t n = recvfrom(l->fd, dgram, sizeof(dgram), 0, (struct sockaddr *)&peer, &len);
		if (n < 0)
			return;
		struct flow *f = flow_for(l, &peer, len);
		if (f) {
			f->last = now_s();
			send(f->fd, dgram, (size_t)n, 0); /* ECONNREFUSED: nothing listens inside yet */
		}
	}
}

static void udp_from_container(struct flow *f)
{
	for (;;) {
		ssize_t n = recv(f->fd, dgram, sizeof(dgram), 0);
		if (n < 0 && errno == ECONNREFUSED)
			continue;
		if (n < 0)
			return;
		f->last = now_s();
		sendto(f->l->fd, dgram, (size_t)n, 0, (struct sockaddr *)&f->peer, f->peerlen);
	}
}

static void sweep_flows(void)
{
	time_t now = now_s();
	for (struct flow **link = &flows; *link;) {
		if (now - (*link)->last > UDP_IDLE_S)
			flow_close(link);
		else
			link = &(*link)->next;
	}
}

void forward_run(const struct plan *p, pid_t child, int ready_fd)
{
	signal(SIGPIPE, SIG_IGN); /* splice into a socket whose peer left */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	/* only what we need: none of the launcher's descriptors (no exec closes them for us) */
	int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
	if (pidfd < 0)
		fatal("pidfd_open: %s", strerror(errno));
	if (dup2(ready_fd, 3) < 0 || dup2(pidfd, 4) < 0)
		fatal("dup2: %s", strerror(errno));
	syscall(SYS_close_range, 5U, ~0U, 0U);
	ready_fd = 3;
	pidfd = 4;
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		fatal("epoll_create1: %s", strerror(errno));

	struct listener *ls = calloc(p->n_publish * 2, sizeof(*ls));
	if (!ls)
		fatal("out of memory");
	size_t n = 0;
	for (size_t i = 0; i < p->n_publish; i++) {
		const struct publish *pub = &p->publish[i];
		if (strcmp(pub->addr, "*") == 0) {
			n += bind_host(pub, AF_INET, "0.0.0.0", &ls[n]);
			n += bind_host(pub, AF_INET6, "::", &ls[n]);
		} else {
			n += bind_host(pub, strchr(pub->addr, ':') ? AF_INET6 : AF_INET, pub->addr, &ls[n]);
		}
	}
	for (size_t i = 0; i < n; i++)
		watch(ls[i].fd, EPOLLIN, (uint64_t)(uintptr_t)&ls[i]);
	/* each connection holds 6 descriptors */
	max_conns = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > n + 64 ? (rl.rlim_cur - n - 64) / 6 : 16;

	if (setns(pidfd, CLONE_NEWUSER | CLONE_NEWNET) < 0)
		fatal("cannot enter the container's network: %s", strerror(errno));
	close(pidfd);
	/* inside the container's user namespace now: not to be inspected from there */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (write(ready_fd, "1", 1) != 1)
		_exit(1);
	close(ready_fd);

	time_t last_sweep = now_s();
	struct epoll_event evs[64];
	for (;;) {
		int k = epoll_wait(ep, evs, 64, SWEEP_MS);
		for (int i = 0; i < k; i++) {
			/* bit 0 tags a connection's socket; every object is at least 4-byte aligned */
			enum kind *kind = (enum kind *)(uintptr_t)(evs[i].data.u64 & ~(uint64_t)1);
			if (*kind == LISTENER) {
				struct listener *l = (struct listener *)kind;
				if (l->udp)
					udp_from_client(l);
				else
					tcp_accept(l);
			} else if (*kind == CONN) {
				conn_event((struct conn *)kind, (int)(evs[i].data.u64 & 1), evs[i].events);
			} else if (*kind == FLOW) {
				udp_from_container((struct flow *)kind);
			}
		}
		while (closed) {
			struct conn *c = closed;
			closed = c->next_closed;
			free(c);
		}
		if (now_s() - last_sweep >= SWEEP_MS / 1000) {
			sweep_flows();
			last_sweep = now_s();
		}
	}
}
