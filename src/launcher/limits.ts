// The host's side of resource limits: which mechanism this user gets (the cgroup v2 tree as it
// is, read through core/cgroup-v2.ts's rules), the CPUs we may run on, and the container's
// cgroup made before the start. The cgroup effects are NOT tested on a live cgroup v2 host:
// this machine has cgroup v1 (see README, Limits).
import { accessSync, constants, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chooseMechanism, containerCgroup, detectCgroupV2, type CgroupTree, type CgroupWrite, type LimitsSetting } from '../core/cgroup-v2.js';
import type { LimitsMechanism } from '../core/limits.js';
import { readOrEmpty } from '../util/read-text.js';
import { fail } from '../errors.js';

export const CGROUP_ROOT = '/sys/fs/cgroup';

/** A cgroupfs tree on disk (the host's, or a fake one). */
export function cgroupTreeAt(root: string): CgroupTree {
  return {
    read(path) {
      try {
        return readFileSync(join(root, path), 'utf8');
      } catch {
        return undefined;
      }
    },
    writable(path) {
      try {
        accessSync(join(root, path), constants.W_OK);
        return true;
      } catch {
        return false;
      }
    },
  };
}

export interface HostMechanism {
  mechanism: LimitsMechanism;
  /** cgroup-v2: the delegated group (absolute) under which containers get theirs */
  base?: string;
  /** why not cgroup v2 */
  reason?: string;
}

export function hostMechanism(setting: LimitsSetting): HostMechanism {
  const chosen = chooseMechanism(setting, detectCgroupV2(cgroupTreeAt(CGROUP_ROOT), readOrEmpty('/proc/self/cgroup')));
  return chosen.base !== undefined ? { ...chosen, base: join(CGROUP_ROOT, chosen.base) } : chosen;
}

/** The CPUs this process may run on (Cpus_allowed_list: "0-3,8"). */
export function allowedCpus(status = readOrEmpty('/proc/self/status')): number[] {
  const list = /^Cpus_allowed_list:\s*(\S+)/m.exec(status)?.[1] ?? '0';
  return list.split(',').flatMap((part) => {
    const [a, b = a] = part.split('-').map(Number);
    return Array.from({ length: b! - a! + 1 }, (_, i) => a! + i);
  });
}

/**
 * Makes the container's cgroup and writes its limits (untested-live): a `nook` group of ours
 * under the delegated base, with memory, pids and cpu enabled for its children (it holds no
 * process, as cgroup v2 requires of a parent with controllers), then one group per container.
 * The launcher moves the container's first process in (`cgroup`) and removes it at the end.
 */
export function prepareCgroup(base: string, id: string, writes: CgroupWrite[]): string {
  const { parent, dir } = containerCgroup(base, id);
  try {
    mkdirSync(parent, { recursive: true });
    writeFileSync(join(parent, 'cgroup.subtree_control'), '+memory +pids +cpu');
    mkdirSync(dir, { recursive: true });
    for (const w of writes) writeFileSync(join(dir, w.file), w.value);
  } catch (e) {
    fail(`cannot prepare the container's cgroup ${dir}: ${(e as Error).message}`, 'set limits.mechanism: rlimits in the config to use rlimits instead');
  }
  return dir;
}
