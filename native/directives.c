/* Parses the NUL-separated directive list (directives.def) into a plan. No policy here:
 * only shape checks (known names, arity, numbers), so a bad list fails before any clone. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "launcher.h"

const struct directive_info directive_table[DIR_COUNT] = {
#define D(id, name, arity, flags, doc) [DIR_##id] = { name, arity, flags, doc },
#include "directives.def"
#undef D
};

void print_vocabulary(void)
{
	for (int i = 0; i < DIR_COUNT; i++)
		printf("%s %d\n", directive_table[i].name, directive_table[i].arity);
}

static int lookup(const char *name)
{
	for (int i = 0; i < DIR_COUNT; i++)
		if (strcmp(directive_table[i].name, name) == 0)
			return i;
	return -1;
}

static int parse_ulong(const char *s, unsigned long *out)
{
	char *end;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return (errno || end == s || *end) ? -1 : 0;
}

static int add_range(struct id_range *r, size_t *n, char **argv, char *err, size_t errlen)
{
	if (*n >= 64) {
		snprintf(err, errlen, "too many id ranges");
		return -1;
	}
	if (parse_ulong(argv[0], &r[*n].inside) || parse_ulong(argv[1], &r[*n].outside) || parse_ulong(argv[2], &r[*n].count)) {
		snprintf(err, errlen, "bad id range %s %s %s", argv[0], argv[1], argv[2]);
		return -1;
	}
	(*n)++;
	return 0;
}

/* The one decision of what the launcher relays: the pty with tty, else each fd planned with
 * relay (fd 0 only with stdin); a detached supervisor has no caller's terminal to relay to. */
static void settle_relay(struct plan *p)
{
	p->relay_pty = p->tty && !p->detach;
	for (int fd = 0; fd < 3; fd++)
		p->relay[fd] = p->relay[fd] && !p->tty && !p->detach && (fd != 0 || p->keep_stdin);
}

int plan_parse(char *buf, size_t len, struct plan *p, char *err, size_t errlen)
{
	size_t ntok = 0;
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\0')
			ntok++;
	if (len == 0 || buf[len - 1] != '\0') {
		snprintf(err, errlen, "directive list is not NUL-terminated");
		return -1;
	}
	char **tok = calloc(ntok + 1, sizeof(*tok));
	p->ops = calloc(ntok + 1, sizeof(*p->ops));
	p->env = calloc(ntok + 1, sizeof(*p->env));
	if (!tok || !p->ops || !p->env) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0, t = 0; t < ntok; t++) {
		tok[t] = buf + i;
		i += strlen(buf + i) + 1;
	}
	p->seccomp_fd = -1;
	unsigned long tmp;
	for (size_t t = 0; t < ntok;) {
		int id = lookup(tok[t]);
		if (id < 0) {
			snprintf(err, errlen, "unknown directive \"%s\"", tok[t]);
			return -1;
		}
		if (t == 0 && id != DIR_VERSION) {
			snprintf(err, errlen, "the first directive must be version");
			return -1;
		}
		int arity = directive_table[id].arity;
		t++;
		if (arity < 0) {
			unsigned long n;
			if (t >= ntok || parse_ulong(tok[t], &n) || n == 0 || n > ntok - t - 1) {
				snprintf(err, errlen, "%s: bad argument count", directive_table[id].name);
				return -1;
			}
			arity = (int)n;
			t++;
		}
		if (t + (size_t)arity > ntok) {
			snprintf(err, errlen, "%s: expected %d arguments", directive_table[id].name, arity);
			return -1;
		}
		struct directive *d = &p->ops[p->n_ops++];
		d->id = (enum directive_id)id;
		d->argc = arity;
		d->argv = &tok[t];
		t += (size_t)arity;

		switch (d->id) {
		case DIR_VERSION:
			if (strcmp(d->argv[0], PROTOCOL_VERSION) != 0) {
				snprintf(err, errlen, "protocol version %s, this launcher speaks %s (reinstall nook)", d->argv[0], PROTOCOL_VERSION);
				return -1;
			}
			break;
		case DIR_UID_MAP_HELPER: p->uid_helper = d->argv[0]; break;
		case DIR_GID_MAP_HELPER: p->gid_helper = d->argv[0]; break;
		case DIR_UID_MAP:
			if (add_range(p->uid_map, &p->n_uid_map, d->argv, err, errlen)) return -1;
			break;
		case DIR_GID_MAP:
			if (add_range(p->gid_map, &p->n_gid_map, d->argv, err, errlen)) return -1;
			break;
		case DIR_SETGROUPS_DENY: p->setgroups_deny = true; break;
		case DIR_UNSHARE_NET: p->unshare_net = true; break;
		case DIR_ENV: p->env[p->n_env++] = d->argv[0]; break;
		case DIR_TTY: p->tty = true; break;
		case DIR_STDIN: p->keep_stdin = true; break;
		case DIR_RELAY:
			if (parse_ulong(d->argv[0], &tmp) || tmp > 2) {
				snprintf(err, errlen, "relay: bad fd %s", d->argv[0]);
				return -1;
			}
			p->relay[tmp] = true;
			break;
		case DIR_INIT: p->init = true; break;
		case DIR_USAGE_REPORT: p->usage_report = true; break;
		case DIR_CPU_LIMIT:
		case DIR_WALL_LIMIT:
		case DIR_OUTPUT_LIMIT:
		case DIR_RSS_LIMIT:
		case DIR_MAP_LIMIT: {
			unsigned long long *field = d->id == DIR_CPU_LIMIT ? &p->cpu_limit_ms : d->id == DIR_WALL_LIMIT ? &p->wall_limit_ms
				: d->id == DIR_OUTPUT_LIMIT ? &p->output_limit : d->id == DIR_RSS_LIMIT ? &p->rss_limit : &p->map_limit;
			char *end;
			errno = 0;
			*field = strtoull(d->argv[0], &end, 10);
			if (errno || end == d->argv[0] || *end || d->argv[0][0] == '-') {
				snprintf(err, errlen, "%s: bad number %s", directive_table[d->id].name, d->argv[0]);
				return -1;
			}
			break;
		}
		case DIR_DIE_WITH_PARENT: p->die_with_parent = true; break;
		case DIR_OVERLAY_VOLATILE: p->overlay_volatile = true; break;
		case DIR_NO_NEW_PRIVS: p->no_new_privs = true; break;
		case DIR_SECCOMP_FD: {
			unsigned long fd;
			if (parse_ulong(d->argv[0], &fd) || fd < 3 || fd > 65535) {
				snprintf(err, errlen, "seccomp-fd: bad fd %s", d->argv[0]);
				return -1;
			}
			p->seccomp_fd = (int)fd;
			break;
		}
		case DIR_REMOVE_ON_EXIT:
			if (p->n_remove >= sizeof(p->remove_on_exit) / sizeof(p->remove_on_exit[0]) || d->argv[0][0] != '/') {
				snprintf(err, errlen, "remove-on-exit: bad path %s", d->argv[0]);
				return -1;
			}
			p->remove_on_exit[p->n_remove++] = d->argv[0];
			break;
		case DIR_JOIN:
		case DIR_JOIN_NET: {
			unsigned long start;
			if (parse_ulong(d->argv[0], &tmp) || tmp < 1 || tmp > 4194304 || parse_ulong(d->argv[1], &start)) {
				snprintf(err, errlen, "%s: bad pid or start time", directive_table[d->id].name);
				return -1;
			}
			if (d->id == DIR_JOIN) {
				p->join_pid = (pid_t)tmp;
				p->join_start = start;
			} else {
				p->join_net_pid = (pid_t)tmp;
				p->join_net_start = start;
			}
			break;
		}
		case DIR_NET_HELPER:
			p->net_helper = d->argv;
			p->n_net_helper = d->argc;
			break;
		case DIR_PUBLISH: {
			unsigned long host, ctr;
			bool udp = strcmp(d->argv[0], "udp") == 0;
			if ((!udp && strcmp(d->argv[0], "tcp") != 0) || parse_ulong(d->argv[2], &host) || host < 1 || host > 65535 ||
			    parse_ulong(d->argv[3], &ctr) || ctr < 1 || ctr > 65535 || !d->argv[1][0]) {
				snprintf(err, errlen, "publish: bad arguments");
				return -1;
			}
			/* each publish takes 5 tokens: this many can never overflow */
			if (!p->publish && !(p->publish = calloc(ntok / 5 + 1, sizeof(*p->publish)))) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			p->publish[p->n_publish++] = (struct publish){ udp, d->argv[1], (unsigned short)host, (unsigned short)ctr };
			break;
		}
		case DIR_DETACH: p->detach = true; break;
		case DIR_LOG_FILE: {
			unsigned long files;
			if (d->argv[0][0] != '/' || parse_ulong(d->argv[1], (unsigned long *)&p->log_max_bytes) ||
			    parse_ulong(d->argv[2], &files) || files < 1 || files > 100) {
				snprintf(err, errlen, "log-file: bad arguments");
				return -1;
			}
			p->log_file = d->argv[0];
			p->log_max_files = (unsigned)files;
			break;
		}
		case DIR_STATE_FILE: p->state_file = d->argv[0]; break;
		case DIR_PIDS_LIMIT:
			if (parse_ulong(d->argv[0], &p->pids_limit) || p->pids_limit < 1) {
				snprintf(err, errlen, "pids-limit: bad count %s", d->argv[0]);
				return -1;
			}
			break;
		case DIR_CGROUP:
			if (d->argv[0][0] != '/') {
				snprintf(err, errlen, "cgroup: bad path %s", d->argv[0]);
				return -1;
			}
			p->cgroup = d->argv[0];
			break;
		case DIR_STOP_MARKER: p->stop_marker = d->argv[0]; break;
		case DIR_ATTACH_SOCKET: p->attach_socket = d->argv[0]; break;
		case DIR_RESTART: {
			static const char *const policies[] = { "no", "on-failure", "always", "unless-stopped" };
			bool known = false;
			for (size_t i = 0; i < 4; i++)
				known = known || strcmp(d->argv[0], policies[i]) == 0;
			if (!known || parse_ulong(d->argv[1], &tmp)) {
				snprintf(err, errlen, "restart: bad policy %s %s", d->argv[0], d->argv[1]);
				return -1;
			}
			p->restart_policy = d->argv[0];
			p->restart_max = (unsigned)tmp;
			break;
		}
		case DIR_EXEC:
			if (t != ntok) {
				snprintf(err, errlen, "exec must be the last directive");
				return -1;
			}
			/* last: its arguments end the token list, whose extra slot is the NULL execve wants */
			p->exec_argv = d->argv;
			break;
		default:
			break; /* mount and process ops run in order later */
		}
	}
	if (!p->exec_argv) {
		snprintf(err, errlen, "no exec directive");
		return -1;
	}
	if (!p->join_pid && !p->join_net_pid && (p->n_uid_map == 0 || p->n_gid_map == 0)) {
		snprintf(err, errlen, "no uid-map or gid-map directive");
		return -1;
	}
	if (p->pids_limit && (p->join_pid || p->join_net_pid)) {
		snprintf(err, errlen, "pids-limit needs a new user namespace: not with join or join-net");
		return -1;
	}
	settle_relay(p);
	/* tok stays: every directive's argv points into it for the plan's whole life */
	return 0;
}
