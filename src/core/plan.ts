// Pure planning: everything `nook run` decided (image config, config file, flags, this user's
// ids) becomes the launcher's directive list. No file system, no processes: the run action
// gathers the facts and hands them in, so this is unit-tested without namespaces.
import type { Directive } from './directives.js';
import { PROTOCOL_VERSION } from './directives.js';
import { fail } from '../errors.js';
import { buildEnv, DEFAULT_PATH } from './env.js';
import type { BindSpec, TmpfsSpec } from './mountspec.js';
import type { ResolvedUser } from './users.js';
import { CAPABILITIES, capabilityMask, resolveCapabilities, type Capability } from '../security/capabilities.js';
import type { IdRange } from '../util/id-range.js';
import type { ImageConfig } from './image-config.js';
import { withTmpfsSize } from './limits.js';
import { judgeDirectives, type JudgeLimits } from './judge-plan.js';


export interface Identity {
  uid: number;
  gid: number;
  subuid: IdRange[];
  subgid: IdRange[];
  newuidmap: string;
  newgidmap: string;
}

export type RootfsSpec =
  | { kind: 'host' }
  | { kind: 'dir'; path: string }
  | { kind: 'overlay'; lowers: string[]; upper: string; work: string }
  | { kind: 'fuse-overlayfs'; program: string; lowers: string[]; upper: string; work: string };

export type { ImageConfig } from './image-config.js';

export interface PlanInput {
  id: string;
  hostname: string;
  rootfs: RootfsSpec;
  image: ImageConfig;
  command: string[];
  entrypoint?: string | undefined;
  user: ResolvedUser;
  identity: Identity;
  env: { files: string[]; flags: string[] };
  workdir?: string | undefined;
  readOnly: boolean;
  binds: BindSpec[];
  tmpfs: TmpfsSpec[];
  /** unshare-net, sysctl, net-helper, publish from networkForRun (src/network/run-network.ts) */
  network: Directive[];
  tty: boolean;
  interactive: boolean;
  /** which of the caller's fds 0-2 are terminals */
  terminalFds: number[];
  init: boolean;
  capAdd: string[];
  /** the container's set (containerCapabilities): the one the seccomp program is compiled for */
  capabilities: Capability[];
  privileged: boolean;
  noNewPrivileges: boolean;
  mask: string[];
  unmask: string[];
  /** rlimit, pids-limit, cpu-affinity, nice, cgroup: planLimits' directives (src/core/limits.ts) */
  limits: Directive[];
  /** the size of a tmpfs that names none (planLimits' tmpfsSize) */
  tmpfsSize: number;
  seccompFd?: number | undefined;
  removeOnExit: string[];
  lastCap: number;
  /** where the launcher records running/exited, so every verb sees foreground runs too */
  stateFile?: string | undefined;
  /** a detached container: its supervisor's records and restart policy */
  supervisor?: SupervisorSpec | undefined;
  /** judge mode (--limits, --result): the launcher measures the box and kills it at these */
  judge?: JudgeLimits | undefined;
}

export interface SupervisorSpec {
  /** where `nook attach` sends the container its input */
  attachSocket: string;
  logFile: string;
  logMaxBytes: number;
  logMaxFiles: number;
  stopMarker: string;
  restart: RestartPolicy;
}

export interface RestartPolicy { name: 'no' | 'on-failure' | 'always' | 'unless-stopped'; maximumRetryCount: number }

/** `--restart no|on-failure[:N]|always|unless-stopped`, as Docker reads it. */
export function parseRestartPolicy(spec: string): RestartPolicy {
  const [name, count, extra] = spec.split(':');
  const names = ['no', 'on-failure', 'always', 'unless-stopped'];
  if (!name || !names.includes(name) || extra !== undefined) fail(`invalid restart policy "${spec}"`, 'use no, on-failure[:max-retries], always or unless-stopped');
  if (count !== undefined && (name !== 'on-failure' || !/^\d+$/.test(count))) {
    fail(`invalid restart policy "${spec}": only on-failure takes a retry count`);
  }
  return { name: name as RestartPolicy['name'], maximumRetryCount: count === undefined ? 0 : Number(count) };
}

/** Everything the record and the launcher need of one container, decided once, here. */
export interface LaunchPlan {
  /** what the launcher carries out now */
  directives: Directive[];
  /**
   * what the record keeps for a later start: the directives less `seccomp-fd`, whose fd
   * every launch hands over anew (containers/start.ts)
   */
  recorded: Directive[];
  /** the process as the launcher starts it: the record keeps it for inspect, ps and exec */
  process: ProcessSpec;
  notices: string[];
}

/** The container's process, decided once here: `exec` starts its own from the recorded one. */
export interface ProcessSpec {
  argv: string[];
  env: string[];
  workdir: string;
  uid: number;
  gid: number;
  /** supplementary groups; null in single-id mode, where setgroups is denied */
  groups: number[] | null;
  /** the container's bounding set: root holds all of it */
  capabilities: Capability[];
  /** what --cap-add added (all with --privileged): a non-root user holds these, ambient */
  addedCapabilities: Capability[];
  noNewPrivileges: boolean;
  /** rlimit, cpu-affinity and nice directives: every process of the container inherits them */
  limits: Directive[];
}

/** The limits directives that are the process's own (not the container's, like cgroup or pids-limit). */
export const PROCESS_LIMITS: ReadonlySet<string> = new Set(['rlimit', 'cpu-affinity', 'nice']);

/** Paths hidden from the container (Docker's list): kernel state a container has no business reading. */
export const MASKED_PATHS = [
  '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/proc/interrupts',
  '/sys/firmware', '/sys/devices/virtual/powercap',
];

/** Paths kept read-only even for the container's root. */
export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** The built-in `host` image's writable places: private, empty, gone with the container. */
const HOST_SCRATCH: Array<[string, string]> = [
  ['/tmp', 'mode=1777'],
  ['/var/tmp', 'mode=1777'],
  ['/run', 'mode=755'],
  ['/home', 'mode=755'],
  ['/root', 'mode=700'],
];

/** Maps container 0 to the user and 1.. to the subordinate ranges, in file order. */
export function idMaps(self: number, ranges: IdRange[]): Array<[number, number, number]> {
  const maps: Array<[number, number, number]> = [[0, self, 1]];
  let inside = 1;
  for (const r of ranges.slice(0, 63)) {
    maps.push([inside, r.start, r.count]);
    inside += r.count;
  }
  return maps;
}

function isMapped(id: number, maps: Array<[number, number, number]>): boolean {
  return maps.some(([inside, , count]) => id >= inside && id < inside + count);
}

export interface IdMapPlan {
  directives: Directive[];
  notices: string[];
  uidMaps: Array<[number, number, number]>;
  gidMaps: Array<[number, number, number]>;
  /** single-id mode: setgroups is denied, so no supplementary groups */
  single: boolean;
}

/** The user namespace's maps: subordinate ranges through newuidmap/newgidmap, else one id. */
export function planIdMaps(ident: Identity): IdMapPlan {
  if (ident.subuid.length > 0 && ident.subgid.length > 0) {
    const uidMaps = idMaps(ident.uid, ident.subuid);
    const gidMaps = idMaps(ident.gid, ident.subgid);
    const directives: Directive[] = [['uid-map-helper', ident.newuidmap], ['gid-map-helper', ident.newgidmap]];
    for (const m of uidMaps) directives.push(['uid-map', String(m[0]), String(m[1]), String(m[2])]);
    for (const m of gidMaps) directives.push(['gid-map', String(m[0]), String(m[1]), String(m[2])]);
    return { directives, notices: [], uidMaps, gidMaps, single: false };
  }
  return {
    directives: [['uid-map', '0', String(ident.uid), '1'], ['gid-map', '0', String(ident.gid), '1'], ['setgroups-deny']],
    notices: ['no subordinate id range for this user in /etc/subuid and /etc/subgid: only uid 0 is mapped (single-id mode; `nook doctor` shows the fix)'],
    uidMaps: [[0, ident.uid, 1]],
    gidMaps: [[0, ident.gid, 1]],
    single: true,
  };
}

export function commandLine(input: Pick<PlanInput, 'command' | 'entrypoint' | 'image'>): string[] {
  // Docker: --entrypoint replaces the image's entrypoint and drops its Cmd.
  const entrypoint = input.entrypoint !== undefined ? (input.entrypoint ? [input.entrypoint] : []) : (input.image.Entrypoint ?? []);
  const cmd = input.command.length > 0 ? input.command : input.entrypoint !== undefined ? [] : (input.image.Cmd ?? []);
  const argv = [...entrypoint, ...cmd];
  if (argv.length === 0) fail('no command specified', 'give one after the image name');
  return argv;
}

/** What --cap-add added (every capability with --privileged): what a non-root user holds. */
export function addedCapabilities(o: Pick<PlanInput, 'privileged' | 'capAdd'>): Capability[] {
  return o.privileged ? [...CAPABILITIES] : resolveCapabilities(o.capAdd, ['ALL'], []);
}

/**
 * The capability sets of a process of `uid` in a container whose bounding set is `bounding`:
 * root holds all of it; anybody else only what was added explicitly, through the ambient set.
 * `run` and `exec` decide with this one rule, so `exec -u` gets what `run -u` would.
 */
export function capabilitySets(uid: number, bounding: readonly Capability[], added: readonly Capability[]): Directive {
  const all = capabilityMask(bounding);
  if (uid === 0) return ['caps', all, all, all, '0', '0'];
  const m = capabilityMask(added.filter((c) => bounding.includes(c)));
  return ['caps', all, m, m, m, m];
}


/**
 * Without -t, a terminal among the caller's fds is relayed by the launcher through a pipe,
 * never handed in: a container in the background could read the shell's keystrokes from it,
 * change its settings, or inject input. Stdin only with -i (else it is /dev/null). Pipes and
 * files pass through as they are: no relay cost for scripts.
 */
export function relayDirectives(o: { tty: boolean; interactive: boolean; terminalFds: readonly number[] }): Directive[] {
  if (o.tty) return [];
  return o.terminalFds.filter((fd) => fd !== 0 || o.interactive).map((fd) => ['relay', String(fd)]);
}

/** The container's capability set: Docker's defaults with --cap-drop then --cap-add, or all. */
export function containerCapabilities(o: { privileged: boolean; capAdd: string[]; capDrop: string[] }): Capability[] {
  return o.privileged ? [...CAPABILITIES] : resolveCapabilities(o.capAdd, o.capDrop);
}

export function planLaunch(input: PlanInput): LaunchPlan {
  const notices: string[] = [];
  const d: Directive[] = [['version', PROTOCOL_VERSION]];
  const { identity: ident } = input;

  const ids = planIdMaps(ident);
  d.push(...ids.directives);
  notices.push(...ids.notices);
  const { uidMaps, gidMaps } = ids;
  if (!isMapped(input.user.uid, uidMaps)) {
    fail(`uid ${input.user.uid} is not mapped in the container`, ident.subuid.length ? 'it is beyond your /etc/subuid range' : 'without a /etc/subuid range only uid 0 exists; see `nook doctor`');
  }
  if (!isMapped(input.user.gid, gidMaps)) fail(`gid ${input.user.gid} is not mapped in the container`, 'see `nook doctor`');
  d.push(...input.network);

  // The root file system.
  if (input.rootfs.kind === 'host') d.push(['rootfs-bind', '/'], ['readonly-root-recursive']);
  else if (input.rootfs.kind === 'dir') d.push(['rootfs-bind', input.rootfs.path]);
  else if (input.rootfs.kind === 'overlay') {
    // An upper dir removed when the container ends (--rm) need not survive a crash: the
    // overlay skips its syncs, and the sync of its whole file system at unmount.
    const { upper } = input.rootfs;
    if (input.removeOnExit.some((dir) => upper.startsWith(`${dir}/`))) d.push(['overlay-volatile']);
    d.push(['rootfs-overlay', input.rootfs.lowers.join(':'), upper, input.rootfs.work]);
  }
  else d.push(['rootfs-fuse-overlayfs', input.rootfs.program, input.rootfs.lowers.join(':'), input.rootfs.upper, input.rootfs.work]);
  d.push(['proc', '/proc'], ['dev', '/dev'], ['mqueue', '/dev/mqueue'], ['sys', '/sys']);
  if (input.rootfs.kind === 'host') for (const [path, opts] of HOST_SCRATCH) d.push(['tmpfs', path, withTmpfsSize(opts, input.tmpfsSize)]);
  for (const t of input.tmpfs) d.push(['tmpfs', t.target, withTmpfsSize(t.options, input.tmpfsSize)]);
  for (const b of input.binds) d.push([b.readonly ? 'bind-ro' : 'bind', b.source, b.target]);
  if (!input.privileged) {
    const unmaskAll = input.unmask.includes('ALL');
    const masked = unmaskAll ? [] : [...MASKED_PATHS, ...input.mask].filter((p) => !input.unmask.includes(p));
    for (const p of masked) d.push(['mask', p]);
    for (const p of unmaskAll ? [] : READONLY_PATHS.filter((x) => !input.unmask.includes(x))) d.push(['remount-ro', p]);
  }
  // An image's root goes read-only last: the mounts above may have had to create their
  // mount points in it (an image without /etc/hosts); the host image is read-only from the start.
  if (input.readOnly && input.rootfs.kind !== 'host') d.push(['readonly-root']);
  d.push(['hostname', input.hostname]);

  // The process.
  const argv = commandLine(input);
  const env = buildEnv({
    image: input.image.Env ?? [],
    files: input.env.files,
    flags: input.env.flags,
    defaults: {
      PATH: DEFAULT_PATH,
      HOSTNAME: input.hostname,
      HOME: input.user.home || '/',
      ...(input.tty ? { TERM: 'xterm' } : {}),
    },
  });
  for (const e of env) d.push(['env', e]);
  const workdir = input.workdir ?? (input.image.WorkingDir || '/');
  if (!workdir.startsWith('/')) fail(`the working directory "${workdir}" is not an absolute path`);
  d.push(['chdir', workdir]);
  d.push(...input.limits);
  const proc: ProcessSpec = {
    argv,
    env,
    workdir,
    uid: input.user.uid,
    gid: input.user.gid,
    groups: ids.single ? null : input.user.groups,
    capabilities: input.capabilities.filter((c) => CAPABILITIES.indexOf(c) <= input.lastCap),
    addedCapabilities: addedCapabilities(input),
    noNewPrivileges: input.noNewPrivileges,
    limits: input.limits.filter((x) => PROCESS_LIMITS.has(x[0])),
  };
  d.push(['user', String(proc.uid), String(proc.gid)]);
  if (proc.groups) d.push(['groups', proc.groups.join(',')]);
  d.push(capabilitySets(proc.uid, proc.capabilities, proc.addedCapabilities));
  if (proc.noNewPrivileges) d.push(['no-new-privs']);
  if (input.seccompFd !== undefined) d.push(['seccomp-fd', String(input.seccompFd)]);
  const sup = input.supervisor;
  if (input.tty) d.push(['tty']);
  if (input.interactive) d.push(['stdin']);
  if (!sup) d.push(...relayDirectives(input));
  if (input.init) d.push(['init']);
  for (const p of input.removeOnExit) d.push(['remove-on-exit', p]);
  if (input.stateFile) d.push(['state-file', input.stateFile]);
  if (sup) {
    d.push(
      ['detach'],
      ['log-file', sup.logFile, String(sup.logMaxBytes), String(sup.logMaxFiles)],
      ['stop-marker', sup.stopMarker],
      ['attach-socket', sup.attachSocket],
      ['restart', sup.restart.name, String(sup.restart.maximumRetryCount)],
    );
  }
  // a box must not outlive the CLI that writes its record
  if (input.judge) d.push(...judgeDirectives(input.judge), ['die-with-parent']);
  d.push(['exec', ...argv]);
  return {
    directives: d,
    recorded: d.filter((x) => x[0] !== 'seccomp-fd'),
    process: proc,
    notices,
  };
}
