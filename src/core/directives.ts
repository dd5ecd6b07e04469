// The TS side of the launcher protocol (native/directives.def is the one definition; the
// golden test in test/unit/protocol.test.ts keeps this table, that file and the compiled
// launcher in step). A plan is a list of directives; encoding is NUL-separated tokens.
import { NookError } from '../errors.js';

export const PROTOCOL_VERSION = '2';

/** name -> arity; -1 means a count-prefixed variadic list. Order matches directives.def. */
export const DIRECTIVES = {
  'version': 1,
  'uid-map-helper': 1,
  'gid-map-helper': 1,
  'uid-map': 3,
  'gid-map': 3,
  'setgroups-deny': 0,
  'unshare-net': 0,
  'join': 2,
  'join-net': 2,
  'sysctl': 2,
  'net-helper': -1,
  'publish': 4,
  'rootfs-bind': 1,
  'rootfs-overlay': 3,
  'overlay-volatile': 0,
  'rootfs-fuse-overlayfs': 4,
  'readonly-root-recursive': 0,
  'proc': 1,
  'dev': 1,
  'mqueue': 1,
  'sys': 1,
  'tmpfs': 2,
  'bind': 2,
  'bind-ro': 2,
  'mask': 1,
  'remount-ro': 1,
  'readonly-root': 0,
  'hostname': 1,
  'env': 1,
  'chdir': 1,
  'user': 2,
  'groups': 1,
  'caps': 5,
  'rlimit': 3,
  'pids-limit': 1,
  'cpu-affinity': 1,
  'nice': 1,
  'cgroup': 1,
  'no-new-privs': 0,
  'seccomp-fd': 1,
  'tty': 0,
  'stdin': 0,
  'relay': 1,
  'init': 0,
  'remove-on-exit': 1,
  'die-with-parent': 0,
  'usage-report': 0,
  'cpu-limit': 1,
  'wall-limit': 1,
  'output-limit': 1,
  'rss-limit': 1,
  'map-limit': 1,
  'detach': 0,
  'log-file': 3,
  'state-file': 1,
  'restart': 2,
  'attach-socket': 1,
  'stop-marker': 1,
  'exec': -1,
} as const;

export type DirectiveName = keyof typeof DIRECTIVES;
export type Directive = readonly [DirectiveName, ...string[]];

function check(d: Directive): void {
  const [name, ...args] = d;
  const arity = DIRECTIVES[name];
  if (arity === -1 ? args.length === 0 : args.length !== arity) {
    throw new Error(`directive ${name}: ${args.length} arguments, expected ${arity === -1 ? 'at least 1' : arity}`);
  }
  for (const a of args) {
    if (a.includes('\0')) throw new Error(`directive ${name}: argument contains a NUL byte`);
  }
}

/**
 * A container's recorded plan, to be launched again (start, export). A missing one, or one in
 * another protocol version, was recorded by another nook: this launcher would refuse it.
 */
export function replayablePlan(plan: readonly Directive[] | undefined, name: string): readonly Directive[] {
  if (!plan) throw new NookError(`container ${name} has no launch plan`, { hint: 'it was created by an older nook: remove and run it again' });
  const version = plan[0]?.[0] === 'version' ? plan[0][1] : undefined;
  if (version !== PROTOCOL_VERSION) {
    throw new NookError(`container ${name} was created by another nook (launcher protocol ${version ?? 'unknown'}, this one speaks ${PROTOCOL_VERSION})`, { hint: 'remove it and run it again' });
  }
  return plan;
}

/** The wire form: every token NUL-terminated; variadic lists carry their count first. */
export function encodeDirectives(list: readonly Directive[]): Buffer {
  const tokens: string[] = [];
  for (const d of list) {
    check(d);
    const [name, ...args] = d;
    tokens.push(name);
    if (DIRECTIVES[name] === -1) tokens.push(String(args.length));
    tokens.push(...args);
  }
  return Buffer.from(tokens.map((t) => t + '\0').join(''));
}

/** One directive a line, arguments JSON-quoted when they need it: what `--dry-run` prints. */
export function formatDirectives(list: readonly Directive[]): string {
  const q = (s: string) => (/^[\w./:=,+@%-]+$/.test(s) ? s : JSON.stringify(s));
  return list.map(([name, ...args]) => [name, ...args.map(q)].join(' ')).join('\n') + '\n';
}
