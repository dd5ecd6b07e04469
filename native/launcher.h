/* nook-run: shared declarations. See main.c for the hand-shake. */
#ifndef NOOK_LAUNCHER_H
#define NOOK_LAUNCHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <poll.h>
#include <sys/types.h>

#define PROTOCOL_VERSION "1"

/* Properties of a directive, the FLAGS column of directives.def. */
#define DF_NEW_ROOT 1u /* builds the new root */
#define DF_IN_ROOT 2u  /* works on the new root: only after a DF_NEW_ROOT directive */

enum directive_id {
#define D(id, name, arity, flags, doc) DIR_##id,
#include "directives.def"
#undef D
	DIR_COUNT
};

struct directive_info {
	const char *name;
	int arity;
	unsigned flags;
	const char *doc;
};
extern const struct directive_info directive_table[DIR_COUNT];

/* One parsed directive: its id and arguments (pointers into the args buffer). */
struct directive {
	enum directive_id id;
	int argc;
	char **argv;
};

struct id_range {
	unsigned long inside, outside, count;
};

/* One published port of the forwarder: host address ("*" = every address) and ports. */
struct publish {
	bool udp;
	const char *addr;
	unsigned short host, ctr;
};

/* What the parent and child need to know up front; mount ops stay in the ordered list. */
struct plan {
	struct directive *ops;
	size_t n_ops;
	const char *uid_helper, *gid_helper;
	struct id_range uid_map[64], gid_map[64];
	size_t n_uid_map, n_gid_map;
	bool setgroups_deny, unshare_net;
	bool tty, keep_stdin, init, no_new_privs, die_with_parent;
	bool overlay_volatile;
	bool relay[3]; /* fds 0-2 the launcher relays through pipes (the caller's terminal) */
	int seccomp_fd;
	char **env;
	size_t n_env;
	char **exec_argv;
	const char *remove_on_exit[8];
	size_t n_remove;
	/* exec into a running container */
	pid_t join_pid;
	unsigned long long join_start;
	/* --network container:X: that container's user and network namespaces */
	pid_t join_net_pid;
	unsigned long long join_net_start;
	/* networking: the helper's argv (tokens @PID@ and @READY_FD@ substituted at start) */
	char **net_helper;
	int n_net_helper;
	/* ports the launcher's own forwarder publishes (forward.c) */
	struct publish *publish;
	size_t n_publish;
	/* the supervisor of a detached container */
	bool detach;
	const char *log_file;
	unsigned long long log_max_bytes;
	unsigned log_max_files;
	const char *state_file;
	const char *restart_policy;
	unsigned restart_max;
	const char *stop_marker;
	const char *attach_socket;
};

/* What the parent side runs beside the container. */
struct session {
	pid_t child;
	int userns_fd;
	/* the network helper and the port forwarder: pid (or 0; once stopped, a killed one not yet
	 * reaped) and stderr, drained while they run */
	struct helper {
		pid_t pid;
		int err;
		int ready; /* until it reported ready, else -1 */
	} helpers[2];
	int out[2], err[2]; /* the container's stdout/stderr pipes when logging or relaying, else -1 */
	int in[2];          /* its stdin pipe when detached or relayed with -i, else -1 */
	int attach_listen;  /* the attach socket, or -1 */
	pid_t fuse;         /* the fuse-overlayfs daemon (fuse.c), or 0 */
	unsigned restarts;
};

/* directives.c */
int plan_parse(char *buf, size_t len, struct plan *p, char *err, size_t errlen);
void print_vocabulary(void);

/* status.c: errors and the JSON status stream */
void status_init(int fd);
void status_child(pid_t pid);
void status_started(pid_t pid);
void status_exit(int code);
void status_error(const char *stage, int err, const char *msg);
void die(const char *stage, int err, const char *fmt, ...) __attribute__((noreturn, format(printf, 3, 4)));

/* Messages from the child to the parent over the sync socket. */
enum child_msg_type { MSG_ERROR = 1, MSG_PTY = 2 };
struct child_msg {
	int type;
	int err;
	int exit_code;
	char stage[32];
	char text[480];
};
/* What the parent sends to release the child. */
struct release_msg {
	unsigned short rows, cols;
};
void child_fail(int sock, const char *stage, int err, int exit_code, const char *fmt, ...) __attribute__((noreturn, format(printf, 5, 6)));
void set_child_socket(int sock);

/* idmap.c (parent) */
int write_id_maps(const struct plan *p, pid_t child, char *err, size_t errlen);

/* mounts.c (child) */
void setup_rootfs(const struct plan *p);

/* process.c (child) */
void exec_process(const struct plan *p, int sock, const struct release_msg *rel);
bool gid_is_mapped(const struct plan *p, unsigned long gid);
int close_fds_except(const int *keep, size_t n);

/* tty.c */
int tty_open_pair(int *master, int *slave);
int send_fd(int sock, int fd);
int recv_fd(int sock, struct child_msg *msg);
void tty_raw(int fd);
void tty_restore(void);

/* attach.c (supervisor) */
int attach_listen(const char *path);
void attach_accept(int listen_fd);
int attach_poll_fds(struct pollfd *fds, int max);
void attach_input(const struct pollfd *fds, int n, int target);
void attach_close_all(void);

/* supervise.c (parent) */
int supervise(const struct plan *p, struct session *s, int sock);
void remove_tree(const char *path, int userns_fd);

/* netns.c (parent) */
enum helper_slot { HELPER_NET, HELPER_FORWARDER, HELPER_SLOTS };
int spawn_net_helpers(const struct plan *p, struct session *s, char *err, size_t errlen);
int await_net_helpers(const struct plan *p, struct session *s, char *err, size_t errlen);
void stop_net_helpers(struct session *s);

/* fuse.c (parent): the fuse-overlayfs daemon, outside the container's pid namespace */
int spawn_fuse_overlay(const struct plan *p, struct session *s, char *err, size_t errlen);
void stop_fuse_overlay(struct session *s);

/* forward.c (a child of the launcher): never returns */
void forward_run(const struct plan *p, pid_t child, int ready_fd) __attribute__((noreturn));

/* record.c (parent): state file and logs of a detached container */
void record_state(const struct plan *p, const struct session *s, const char *status, int exit_code);
void log_open(const struct plan *p);
void log_write(const char *stream, const char *buf, size_t len);
void log_flush(void);
void now_rfc3339(char *buf, size_t len);


#endif
