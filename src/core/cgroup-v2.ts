// cgroup v2, when the user owns a delegated subtree (systemd's user@UID.service): whether
// there is one, where a container's cgroup goes, what is written into it, and how its
// accounting reads. Pure: the tree is read through CgroupTree (the host's, or a fake one in
// the unit test). It has NOT run on a live v2 host: this machine has cgroup v1, owned by the
// system. The effects (mkdir, the writes, moving the launcher's child in) are
// src/launcher/cgroup.ts and the launcher's `cgroup` directive.
import { fail } from '../errors.js';

/** How limits are enforced: cgroup v2 where the user owns a delegated subtree, else rlimits. */
export type LimitsMechanism = 'rlimits' | 'cgroup-v2';

/** A cgroupfs tree, paths relative to its root ('' is the root). */
export interface CgroupTree {
  read(path: string): string | undefined;
  writable(path: string): boolean;
}

const join = (...parts: string[]) => parts.filter(Boolean).join('/');

/** The controllers nook's limits need. */
export const CONTROLLERS = ['memory', 'pids', 'cpu'] as const;

export type CgroupDetection =
  /** base: relative to the tree's root */
  | { usable: true; base: string }
  | { usable: false; reason: string };

const words = (text: string | undefined) => new Set((text ?? '').split(/\s+/).filter(Boolean));

/** This process's cgroup v2 path from /proc/self/cgroup ("0::/user.slice/..."), if it has one. */
export function ownCgroup(procSelfCgroup: string): string | undefined {
  return procSelfCgroup.split('\n').find((l) => l.startsWith('0::'))?.slice(3).trim() || undefined;
}

/**
 * The nearest ancestor of our own cgroup that hands memory, pids and cpu on to its children
 * (cgroup.subtree_control) and that we may write: the directory (a new child), its
 * cgroup.procs (moving a process between two of its descendants needs it) . Our own cgroup
 * holds us, and a cgroup with processes cannot enable controllers for children, so the
 * search starts at its parent.
 */
export function detectCgroupV2(tree: CgroupTree, procSelfCgroup: string): CgroupDetection {
  if (tree.read('cgroup.controllers') === undefined) return { usable: false, reason: 'no cgroup v2 hierarchy (cgroup v1 or none)' };
  const own = ownCgroup(procSelfCgroup);
  if (own === undefined) return { usable: false, reason: 'this process is in no cgroup v2 group' };
  const parts = own.split('/').filter(Boolean);
  for (let n = parts.length - 1; n >= 1; n--) {
    const dir = join(...parts.slice(0, n));
    const delegated = words(tree.read(join(dir, 'cgroup.subtree_control')));
    if (!CONTROLLERS.every((c) => delegated.has(c))) continue;
    if (tree.writable(dir) && tree.writable(join(dir, 'cgroup.procs'))) return { usable: true, base: dir };
    break; // the nearest one that hands them on is not ours: above it is the system's
  }
  return { usable: false, reason: `no delegated cgroup with ${CONTROLLERS.join(', ')} above ${own} (systemd: Delegate=yes in user@.service)` };
}

export type LimitsSetting = 'auto' | LimitsMechanism;

/** `auto`: cgroup v2 where a delegated subtree was found, else rlimits. */
export function chooseMechanism(setting: LimitsSetting, found: CgroupDetection): { mechanism: LimitsMechanism; base?: string; reason?: string } {
  if (setting === 'rlimits') return { mechanism: 'rlimits', reason: 'asked for in config' };
  if (found.usable) return { mechanism: 'cgroup-v2', base: found.base };
  if (setting === 'cgroup-v2') fail(`limits.mechanism is cgroup-v2, but ${found.reason}`, 'set limits.mechanism to auto or rlimits');
  return { mechanism: 'rlimits', reason: found.reason };
}

/** Where one container's cgroup goes: a `nook` group of our own under the base, one per container. */
export function containerCgroup(base: string, id: string): { parent: string; dir: string } {
  const parent = join(base, 'nook');
  return { parent, dir: join(parent, id.slice(0, 12)) };
}

/** One file written in the container's cgroup before its processes move in. */
export interface CgroupWrite { file: string; value: string }

/** The period cpu.max's quota is in (the kernel's default, 100 ms). */
export const CPU_PERIOD_US = 100_000;

/** Docker's (runc's) conversion of --cpu-shares (2..262144) to cpu.weight (1..10000). */
export function sharesToWeight(shares: number): number {
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

/**
 * The limits as cgroup files: memory.max, memory.swap.max (Docker's memory-swap is memory
 * plus swap; -1 is no limit), pids.max, cpu.max (quota per period), cpu.weight.
 */
export function cgroupLimitWrites(l: { memory: number; memorySwap: number; nanoCpus: number; cpuShares: number; pidsLimit: number }): CgroupWrite[] {
  const out: CgroupWrite[] = [];
  if (l.memory > 0) {
    out.push({ file: 'memory.max', value: String(l.memory) });
    out.push({ file: 'memory.swap.max', value: l.memorySwap < 0 ? 'max' : String(Math.max(0, l.memorySwap - l.memory)) });
  }
  out.push({ file: 'pids.max', value: l.pidsLimit > 0 ? String(l.pidsLimit) : 'max' });
  if (l.nanoCpus > 0) out.push({ file: 'cpu.max', value: `${Math.round((l.nanoCpus * CPU_PERIOD_US) / 1e9)} ${CPU_PERIOD_US}` });
  if (l.cpuShares > 0) out.push({ file: 'cpu.weight', value: String(sharesToWeight(l.cpuShares)) });
  return out;
}

export interface CgroupAccounting {
  /** the peak of the whole container's memory, bytes (memory.peak) */
  memoryPeak: number | undefined;
  /** CPU time of every process it had, microseconds (cpu.stat usage_usec) */
  cpuUsec: number | undefined;
  /** processes the OOM killer ended (memory.events oom_kill) */
  oomKills: number | undefined;
}

function statField(text: string | undefined, key: string): number | undefined {
  const m = text === undefined ? null : new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

/** A finished container's accounting, from its cgroup's files (dir relative to the tree). */
export function cgroupAccounting(tree: CgroupTree, dir: string): CgroupAccounting {
  const peak = tree.read(join(dir, 'memory.peak'))?.trim();
  return {
    memoryPeak: peak && /^\d+$/.test(peak) ? Number(peak) : undefined,
    cpuUsec: statField(tree.read(join(dir, 'cpu.stat')), 'usage_usec'),
    oomKills: statField(tree.read(join(dir, 'memory.events')), 'oom_kill'),
  };
}
