/* nook-run: shared declarations. See main.c for the hand-shake. */
#ifndef NOOK_LAUNCHER_H
#define NOOK_LAUNCHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <time.h>

#define PROTOCOL_VERSION "2"

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
	/* what the launcher copies between the container and its own stdio (the caller's
	 * terminal), settled once by plan_parse: the pty, or fds 0-2 through pipes */
	bool relay_pty, relay[3];
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
	/* limits.c */
	unsigned long pids_limit; /* 0: none */
	const char *cgroup;
	/* judge mode (usage.c): what is measured, and the limits the parent enforces (0 = none) */
	bool usage_report;
	unsigned long long cpu_limit_ms, wall_limit_ms, output_limit, rss_limit, map_limit;
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
	int workload_status[2]; /* judge mode with init: pid 1 writes its workload's wait status here, else -1 */
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
void status_line(const char *line);
void die(const char *stage, int err, const char *fmt, ...) __attribute__((noreturn, format(printf, 3, 4)));

/* sync.c: the hand-shake over the sync socket (drawn in main.c). One message per send; the
 * child's exec closes its end (close-on-exec), which the parent reads as the end of the stream. */
enum sync_type {
	SYNC_RELEASE = 1, /* parent -> child: the id maps are written, build the root; carries the window size */
	SYNC_NET_READY,   /* parent -> child: the network helpers are ready (sent only when there are any) */
	SYNC_PTY,         /* child -> parent: the pty master, passed along with SCM_RIGHTS */
	SYNC_ERROR,       /* child -> parent: set-up failed; stage, errno, exit code and the line to print */
	SYNC_PROC,        /* child -> parent: the container's proc instance, for the sampler (usage-report) */
	SYNC_MAPS,        /* child -> parent: the seccomp listener of mappings past map-limit, for the parent to refuse */
	/* pids-limit's counting namespace P (limits.c), on a socket of its own */
	SYNC_COUNT_MAPPED, /* launcher -> P: P's id maps are written: limit yourself, clone the container */
	SYNC_COUNTED,      /* P -> launcher: the container is cloned and mapped; carries its pid */
};
struct sync_msg {
	int type; /* enum sync_type */
	unsigned short rows, cols; /* SYNC_RELEASE: the caller's window size, or 0 */
	int err, exit_code;        /* SYNC_ERROR */
	int pid;                   /* SYNC_COUNTED */
	char stage[32];
	char text[480];
};
const char *sync_name(int type); /* NULL for a type that is none of ours */
/* Sends m, with fd (>= 0) passed along; -1 when the peer is gone. */
int sync_send(int sock, const struct sync_msg *m, int fd);
/* 1: a message in m (*fd: what came with it, or -1); 0: the end of the stream; -1: a broken
 * read or message. got: what arrived, in words, for an "expected X, got Y" error. */
int sync_recv(int sock, struct sync_msg *m, int *fd, char *got, size_t gotlen);
/* The child's receive: anything but want is a set-up error naming both; at the end of the
 * stream the launcher has given up (it says why), and so does the child, silently. */
void sync_expect(int sock, enum sync_type want, struct sync_msg *m);
void child_fail(int sock, const char *stage, int err, int exit_code, const char *fmt, ...) __attribute__((noreturn, format(printf, 5, 6)));
void set_child_socket(int sock);

/* idmap.c (parent) */
int write_id_maps(const struct plan *p, pid_t child, char *err, size_t errlen);

/* mounts.c (child) */
void setup_rootfs(const struct plan *p);

/* process.c (child) */
void exec_process(const struct plan *p, int sock, const struct sync_msg *release);
extern int init_status_fd; /* the init writes its workload's wait status here before it exits (or -1) */
bool gid_is_mapped(const struct plan *p, unsigned long gid);
int close_fds_except(const int *keep, size_t n);
int null_stdio(bool keep_stderr);

/* tty.c */
int tty_open_pair(int *master, int *slave);
void tty_raw(int fd);
void tty_restore(void);

/* attach.c (supervisor) */
int attach_listen(const char *path);
void attach_accept(int listen_fd);
int attach_poll_fds(struct pollfd *fds, int max);
void attach_input(const struct pollfd *fds, int n, int target);
void attach_close_all(void);

/* usage.c (parent): what judge mode measures of the container, and which limit ended it */
struct usage {
	int procfd;                  /* the container's proc instance, or -1 */
	struct timespec started;     /* the exec */
	long long wall_us;           /* exec to the init reaped */
	long long next_sample_us;    /* CLOCK_MONOTONIC */
	unsigned long long cpu_ms;   /* the last sample: CPU of every live process and what they reaped */
	unsigned long long rss_sum_peak_kb, vm_peak_kb; /* peaks: sum of RSS; one process's address space */
	unsigned long long output;   /* relayed bytes, stdout and stderr together */
	bool truncated;
	const char *killed;          /* the limit that ended it: cpu, wall, output, rss; or NULL */
	long long ending;            /* since when (ms, CLOCK_MONOTONIC) its processes are being killed, or 0 */
	bool workload_ended;         /* the init reported its workload's wait status */
	int workload_status;
	int maps_fd;                 /* the seccomp listener of map-limit, or -1 */
	unsigned long long refused_maps, refused_max; /* mappings refused past map-limit; the largest asked */
};
int usage_watch_maps(void);
void usage_answer_map(struct usage *u, unsigned long long limit);
long long now_ms(void);
void usage_kill_all(struct usage *u, pid_t init);
void usage_begin(struct usage *u, int procfd, int maps_fd);
int usage_timeout(const struct plan *p, const struct usage *u);
const char *usage_sample(const struct plan *p, struct usage *u);
void usage_end(struct usage *u);
void usage_report(const struct usage *u, int wstatus, const struct rusage *ru);

/* supervise.c (parent) */
int supervise(const struct plan *p, struct session *s, int sock);
void remove_tree(const char *path, int userns_fd);

/* netns.c (parent) */
enum helper_slot { HELPER_NET, HELPER_FORWARDER, HELPER_SLOTS };
int spawn_net_helpers(const struct plan *p, struct session *s, char *err, size_t errlen);
int await_net_helpers(const struct plan *p, struct session *s, char *err, size_t errlen);
void stop_net_helpers(struct session *s);

/* fuse.c (parent): the fuse-overlayfs daemon, outside the container's pid namespace */
int spawn_fuse_overlayfs(const struct plan *p, struct session *s, char *err, size_t errlen);
void stop_fuse_overlayfs(struct session *s);

/* forward.c (a child of the launcher): never returns */
void forward_run(const struct plan *p, pid_t child, int ready_fd) __attribute__((noreturn));

/* limits.c */
pid_t clone_counted(const struct plan *p, unsigned long flags, char *err, size_t errlen);
int set_cpu_affinity(const char *list);
int set_nice(const char *value);
int cgroup_enter(const char *dir, pid_t pid, char *err, size_t errlen);
void cgroup_remove(const char *dir);

/* record.c (parent): state file and logs of a detached container */
void record_state(const struct plan *p, const struct session *s, const char *status, int exit_code);
void log_open(const struct plan *p);
void log_write(const char *stream, const char *buf, size_t len);
void log_flush(void);
void now_rfc3339(char *buf, size_t len);


/* procstat.c: fields first..last (1-based, as proc(5) numbers them) of a stat line, or of a
 * host process's /proc/PID/stat; 0, or -1 when the line is short or unreadable */
int proc_stat_fields(char *line, int first, int last, unsigned long long *out);
int host_proc_stat(pid_t pid, int first, int last, unsigned long long *out);

#endif
