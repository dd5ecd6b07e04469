// Resource limits: Docker's flags (--memory, --memory-swap, --cpus, --cpu-shares, --pids-limit)
// and the per-container defaults, planned into launcher directives for the mechanism this host
// gets. Pure: the facts (allowed CPUs, the cgroup found) come in, directives go out.
//
// Without cgroups (`rlimits`):
// - Processes are exact. The kernel (>= 5.14) counts RLIMIT_NPROC in "ucounts" per (user
//   namespace, uid), up the namespace tree: a fork in namespace C checks C's count for the uid
//   against the task's limit, then the count of C's owner in C's parent against the limit of
//   the task that created C, and so on up (kernel/ucount.c is_rlimit_overlimit). So the
//   launcher creates the container's namespace inside one of its own, from a task limited to
//   N (`pids-limit N`): every process of the container, whatever its uid, counts once at that
//   level, and no other container shares it. Measured here (6.18, N=64 and 200, two uids
//   forking 2000 each): 60 and 196 forks in all plus the 4 set-up processes, exactly N. A
//   sub-range of subuids per container (each container's own host uids) would be exact only
//   for a single uid, needs a lock and a free range per running container, and runs out of
//   ranges. Raising it needs CAP_SYS_RESOURCE in the initial namespace, which a container
//   never has.
// - Memory is RLIMIT_AS (isolate's -m): address space per process, so approximate: mappings
//   count whether touched or not, and N processes may use N times the limit.
// - --cpus pins the container to ceil(N) CPUs (a rate needs cgroups); --cpu-shares becomes a
//   nice value (CFS weights: 1024 is nice 0, each step 1.25x). Both approximate.
import { fail } from '../errors.js';
import type { Directive } from './directives.js';
import { RLIMITS } from './ulimits.js';
import { cgroupLimitWrites, type CgroupWrite, type LimitsMechanism } from './cgroup-v2.js';

export type { LimitsMechanism } from './cgroup-v2.js';

/** What `run`/`create` asked for, in Docker's units (HostConfig's names in comments). */
export interface ResourceLimits {
  /** bytes (Memory) */
  memory?: number | undefined;
  /** memory plus swap in bytes, -1 unlimited (MemorySwap) */
  memorySwap?: number | undefined;
  /** billionths of a CPU (NanoCpus) */
  nanoCpus?: number | undefined;
  /** relative weight, 2..262144, 1024 the default (CpuShares) */
  cpuShares?: number | undefined;
  /** processes of the whole container, 0 or less unlimited (PidsLimit) */
  pidsLimit?: number | undefined;
}

/** The defaults every container gets (config `limits.pids`, `limits.fileSize`, `limits.tmpfsSize`). */
export interface LimitDefaults {
  pids: number;
  fileSize: number;
  tmpfsSize: number;
}

export interface Rlimit { resource: number; soft: number; hard: number }

export interface LimitsInput {
  limits: ResourceLimits;
  defaults: LimitDefaults;
  /** --ulimit flags: they win over every default */
  ulimitFlags: Rlimit[];
  /** the config's `ulimits`: a project may set these, so they never lift a default */
  configUlimits: Rlimit[];
  mechanism: LimitsMechanism;
  /** the CPUs this process may run on (sched_getaffinity) */
  allowedCpus: number[];
  /** spreads pinned containers over the CPUs (e.g. from the container id) */
  seed: number;
  /** the container's own cgroup (cgroup-v2 only) */
  cgroup?: string | undefined;
  /** joins another container's user namespace (--network container:): it counts there */
  sharesUserNamespace: boolean;
}

export interface LimitsPlan {
  directives: Directive[];
  /** the size of a tmpfs that names none: --memory, else the default (a /tmp filler's bound) */
  tmpfsSize: number;
  /** the files written into the container's cgroup before the start (cgroup-v2) */
  cgroupWrites: CgroupWrite[];
  /** what is applied, defaults included: the record and `inspect` show this */
  applied: AppliedLimits;
  notices: string[];
}

export interface AppliedLimits {
  memory: number;
  memorySwap: number;
  nanoCpus: number;
  cpuShares: number;
  pidsLimit: number;
  mechanism: LimitsMechanism;
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/**
 * Docker's RAMInBytes: "256m", "1.5g", "1024" (bytes), units b k m g t p, binary; at most
 * 2^53 - 1 (8 PiB), past which a number is no longer exact and the launcher's parse refuses it.
 */
export function parseBytes(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgtp]?)b?$/i.exec(text.trim());
  if (!m) fail(`invalid ${flag} "${text}"`, 'use a number with an optional unit b, k, m or g, such as 256m');
  const bytes = Math.floor(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!);
  if (!Number.isSafeInteger(bytes)) fail(`invalid ${flag} "${text}": more than 8 PiB`);
  return bytes;
}

/** --memory: at least 6 MiB, Docker's minimum (less cannot start a process). */
export function parseMemory(text: string): number {
  const bytes = parseBytes(text, '--memory');
  if (bytes < 6 * 1024 ** 2) fail(`invalid --memory "${text}": the minimum is 6m`);
  return bytes;
}

/** --memory-swap: memory plus swap, or -1 for unlimited swap. */
export function parseMemorySwap(text: string): number {
  return text.trim() === '-1' ? -1 : parseBytes(text, '--memory-swap');
}

/** --cpus 1.5 as NanoCpus, within the CPUs there are (Docker's check). */
export function parseCpus(text: string, available: number): number {
  const cpus = Number(text);
  if (!/^\d*\.?\d+$/.test(text.trim()) || !(cpus > 0)) fail(`invalid --cpus "${text}"`, 'use a positive number such as 1.5');
  if (cpus > available) fail(`invalid --cpus "${text}": there are only ${available} CPUs available`, `use a number from 0.01 to ${available}`);
  return Math.round(cpus * 1e9);
}

function parseWhole(text: string, flag: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(text.trim())) fail(`invalid ${flag} "${text}"`, 'use a whole number');
  const n = Number(text);
  if (n < min || n > max) fail(`invalid ${flag} "${text}"`, `use a number from ${min} to ${max}`);
  return n;
}

/** --cpu-shares: Docker takes 2..262144 (0 means the default, 1024). */
export function parseCpuShares(text: string): number {
  const n = parseWhole(text, '--cpu-shares', 0, 262144);
  return n === 0 ? 1024 : Math.max(n, 2);
}

/** --pids-limit: a count; 0 or -1 is unlimited. */
export function parsePidsLimit(text: string): number {
  return parseWhole(text, '--pids-limit', -1, 4194304);
}

/** --stop-timeout in seconds (-1: wait forever, as `stop -t -1`). */
export function parseStopTimeout(text: string): number {
  return parseWhole(text, '--stop-timeout', -1, 2 ** 31 - 1);
}

/** The nice value whose CFS weight is nearest to shares (1024 = nice 0; each step 1.25x). */
export function sharesToNice(shares: number): number {
  return Math.min(19, Math.max(0, Math.round(Math.log(1024 / shares) / Math.log(1.25))));
}

/** ceil(N) of the allowed CPUs, starting at seed so that pinned containers spread out. */
export function pinnedCpus(nanoCpus: number, allowed: readonly number[], seed: number): number[] {
  const n = Math.min(allowed.length, Math.ceil(nanoCpus / 1e9));
  const start = allowed.length ? seed % allowed.length : 0;
  return Array.from({ length: n }, (_, i) => allowed[(start + i) % allowed.length]!).sort((a, b) => a - b);
}

const capped = (n: number | undefined) => n !== undefined && n > 0;

/** The processes cap: --pids-limit, else an --ulimit nproc flag (its hard limit), else the default. */
function pidsCap(input: LimitsInput): number {
  if (input.limits.pidsLimit !== undefined) return input.limits.pidsLimit > 0 ? input.limits.pidsLimit : 0;
  const flag = [...input.ulimitFlags].reverse().find((r) => r.resource === RLIMITS['nproc']);
  if (flag) return flag.hard < 0 ? 0 : flag.hard;
  return input.defaults.pids;
}

/**
 * The rlimits: the config's, each capped by the default for its resource; then the flags,
 * which win. An nproc limit above the processes cap could not be set (the namespace's creator
 * holds at most the cap), and would mean nothing: it is lowered to the cap.
 */
function rlimits(input: LimitsInput, pids: number, withNamespaceCap: boolean): Rlimit[] {
  const fsize = RLIMITS['fsize']!;
  const nproc = RLIMITS['nproc']!;
  const min = (a: number, b: number) => (a < 0 ? b : b < 0 ? a : Math.min(a, b));
  const out = new Map<number, Rlimit>();
  out.set(fsize, { resource: fsize, soft: input.defaults.fileSize, hard: input.defaults.fileSize });
  for (const r of input.configUlimits) {
    const def = out.get(r.resource);
    out.set(r.resource, def ? { resource: r.resource, soft: min(r.soft, def.soft), hard: min(r.hard, def.hard) } : r);
  }
  for (const r of input.ulimitFlags) out.set(r.resource, r);
  const n = out.get(nproc);
  if (n && withNamespaceCap) out.set(nproc, { resource: nproc, soft: min(n.soft, pids), hard: min(n.hard, pids) });
  return [...out.values()];
}

export function planLimits(input: LimitsInput): LimitsPlan {
  const { limits } = input;
  const notices: string[] = [];
  const directives: Directive[] = [];
  const cgroupWrites: CgroupWrite[] = [];
  const pids = pidsCap(input);
  const tmpfsSize = capped(limits.memory) ? limits.memory! : input.defaults.tmpfsSize;
  const applied: AppliedLimits = {
    memory: limits.memory ?? 0,
    // Docker: with --memory alone, as much swap again (MemorySwap twice Memory)
    memorySwap: limits.memorySwap ?? (limits.memory ? limits.memory * 2 : 0),
    nanoCpus: limits.nanoCpus ?? 0,
    cpuShares: limits.cpuShares ?? 0,
    pidsLimit: pids,
    mechanism: input.mechanism,
  };
  if (limits.memorySwap !== undefined && limits.memorySwap !== -1) {
    if (limits.memory === undefined) fail('--memory-swap needs --memory', 'Docker\'s rule: give both, memory-swap being memory plus swap');
    if (limits.memorySwap < limits.memory) fail('--memory-swap is below --memory', 'it is memory plus swap: give at least the --memory value, or -1');
  }

  if (input.mechanism === 'cgroup-v2') {
    cgroupWrites.push(...cgroupLimitWrites(applied));
    directives.push(['cgroup', input.cgroup!]);
    for (const r of rlimits(input, pids, false)) directives.push(rlimitDirective(r));
    return { directives, tmpfsSize, cgroupWrites, applied, notices };
  }

  const namespaceCap = capped(pids) && !input.sharesUserNamespace;
  // said only when asked for: the default would make it noise on every such run
  if (capped(limits.pidsLimit) && input.sharesUserNamespace) {
    notices.push('--network container: shares that container\'s user namespace, so its processes count against that container\'s process limit');
  }
  if (namespaceCap) directives.push(['pids-limit', String(pids)]);
  if (capped(limits.memory)) directives.push(rlimitDirective({ resource: RLIMITS['as']!, soft: limits.memory!, hard: limits.memory! }));
  if (limits.memorySwap !== undefined) notices.push('--memory-swap is recorded but not enforced without cgroups: swap use cannot be limited by rlimits');
  for (const r of rlimits(input, pids, namespaceCap)) directives.push(rlimitDirective(r));
  if (capped(limits.nanoCpus)) directives.push(['cpu-affinity', pinnedCpus(limits.nanoCpus!, input.allowedCpus, input.seed).join(',')]);
  if (limits.cpuShares !== undefined) {
    const nice = sharesToNice(limits.cpuShares);
    if (limits.cpuShares > 1024) notices.push(`--cpu-shares ${limits.cpuShares} would need a negative nice value, which needs privilege: the container runs at nice 0`);
    directives.push(['nice', String(nice)]);
    // RLIMIT_NICE 0: nobody in the container may lower it again
    if (!input.ulimitFlags.some((r) => r.resource === RLIMITS['nice'])) directives.push(rlimitDirective({ resource: RLIMITS['nice']!, soft: 0, hard: 0 }));
  }
  return { directives, tmpfsSize, cgroupWrites, applied, notices };
}

/** tmpfs options with size= added where they name none. */
export function withTmpfsSize(options: string, bytes: number): string {
  return /(^|,)size=/.test(options) ? options : [options, `size=${bytes}`].filter(Boolean).join(',');
}

const rlimitDirective = (r: Rlimit): Directive => ['rlimit', String(r.resource), String(r.soft), String(r.hard)];
