// Store work that needs the containers' id mapping (unpacking layers so files keep their
// owners, removing them) runs here: a process inside a new user namespace with the same
// maps, as root there with every capability, seeing the host's file system unchanged.
// Node cannot join a user namespace itself, so the launcher does it.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import type { Writable } from 'node:stream';
import { LAUNCHER_ENV, launcherPath } from '../paths.js';
import { planIdMaps, type IdMapPlan } from '../core/plan.js';
import { PROTOCOL_VERSION, encodeDirectives, type Directive } from '../core/directives.js';
import { currentIdentity, lastCapability } from './identity.js';
import { CAPABILITIES, capabilityMask } from '../security/capabilities.js';
import { DEFAULT_PATH } from '../core/env.js';
import { ARGS_FD } from './fd-layout.js';

/** The directives for a store helper: host root as is, read-write where the user may write. */
export function planUserNamespaceTask(argv: string[], ids: IdMapPlan, opts: { env?: Record<string, string>; cwd?: string; lastCap: number }): Directive[] {
  const all = capabilityMask(CAPABILITIES.slice(0, opts.lastCap + 1));
  const env = { PATH: DEFAULT_PATH, ...opts.env };
  return [
    ['version', PROTOCOL_VERSION],
    // a killed CLI's worker stops with it: the lock it wrote under (a layer's) is gone
    ['die-with-parent'],
    ...ids.directives,
    ['unshare-net'],
    ['rootfs-bind', '/'],
    ['hostname', 'nook-store'],
    ...Object.entries(env).map(([k, v]): Directive => ['env', `${k}=${v}`]),
    ['chdir', opts.cwd ?? '/'],
    ['user', '0', '0'],
    ['caps', all, all, all, '0', '0'],
    ['stdin'],
    ['exec', ...argv],
  ];
}

/**
 * Runs argv inside a user namespace mapped like the containers. ARGS_FD is taken for the
 * directives; pass the rest as for child_process.spawn (default: inherit).
 */
export function spawnInUserNamespace(argv: string[], opts: { stdio?: StdioOptions; env?: Record<string, string>; cwd?: string } = {}): ChildProcess {
  const directives = planUserNamespaceTask(argv, planIdMaps(currentIdentity()), { ...opts, lastCap: lastCapability() });
  const base = Array.isArray(opts.stdio) ? opts.stdio.slice(0, 3) : [opts.stdio ?? 'inherit', opts.stdio ?? 'inherit', opts.stdio ?? 'inherit'];
  const child = spawn(launcherPath(), ['--args', String(ARGS_FD)], { stdio: [...base, 'pipe'] as StdioOptions, env: LAUNCHER_ENV });
  (child.stdio[ARGS_FD] as Writable).end(encodeDirectives(directives));
  return child;
}
