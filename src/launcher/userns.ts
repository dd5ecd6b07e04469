// Store work that needs the containers' id mapping (unpacking layers so files keep their
// owners, removing them) runs here: a process inside a new user namespace with the same
// maps, as root there with every capability, seeing the host's file system unchanged.
// Node cannot join a user namespace itself, so the launcher does it.
import type { IOType } from 'node:child_process';
import { planIdMaps, type IdMapPlan } from '../core/plan.js';
import { PROTOCOL_VERSION, encodeDirectives, type Directive } from '../core/directives.js';
import { currentIdentity, lastCapability } from './identity.js';
import { CAPABILITIES, capabilityMask } from '../security/capabilities.js';
import { DEFAULT_PATH } from '../core/env.js';
import { spawnLauncher, type Spawned } from './spawned.js';

/** The directives for a store helper: host root as is, read-write where the user may write. */
export function planUserNamespaceTask(argv: string[], ids: IdMapPlan, opts: { lastCap: number }): Directive[] {
  const all = capabilityMask(CAPABILITIES.slice(0, opts.lastCap + 1));
  return [
    ['version', PROTOCOL_VERSION],
    // a killed CLI's worker stops with it: the lock it wrote under (a layer's) is gone
    ['die-with-parent'],
    ...ids.directives,
    ['unshare-net'],
    ['rootfs-bind', '/'],
    ['hostname', 'nook-store'],
    ['env', `PATH=${DEFAULT_PATH}`],
    ['chdir', '/'],
    ['user', '0', '0'],
    ['caps', all, all, all, '0', '0'],
    ['stdin'],
    ['exec', ...argv],
  ];
}

/** Runs argv inside a user namespace mapped like the containers; `io` is its fds 0-1. */
export function spawnInUserNamespace(argv: string[], io: [IOType, IOType]): Spawned {
  return spawnLauncher(encodeDirectives(planUserNamespaceTask(argv, planIdMaps(currentIdentity()), { lastCap: lastCapability() })), io);
}
