// Launching a recorded container detached: for `run -d`, `start` and `restart`. The seccomp
// program (compiled again from the profile kept at create, or taken from the cache, unless
// `run -d` has it at hand) is handed over as DETACHED_SECCOMP_FD.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { launcherPath } from '../paths.js';
import { encodeDirectives, replayablePlan, type Directive } from '../core/directives.js';
import { readSupervisorState, type ContainerConfig } from './record.js';
import { attachSocketPath, containerFiles } from './layout.js';
import { NookError } from '../errors.js';
import { compileProfile } from '../security/seccomp/compile.js';
import { isProfileName, readProfileText, resolveProfile, type ResolvedProfile } from '../security/seccomp/locate.js';
import { memfdWith } from '../launcher/exec.js';
import { DETACHED_SECCOMP_FD } from '../launcher/fd-layout.js';
import { prepareCgroup } from '../launcher/limits.js';
import { volatileDirsToReset } from '../rootfs/volatile.js';
import { bootTimeMs } from './procfs.js';
import { removeTreesInNamespace } from './remove.js';

export async function startContainer(rec: ContainerConfig, compiledBpf?: Buffer): Promise<{ pid: number }> {
  const directives: Directive[] = [...replayablePlan(rec.plan, rec.name)];
  // before the seccomp memfd, so that nothing which can fail comes between it and the spawn
  if (directives.some(([name]) => name === 'overlay-volatile')) await resetVolatileScratch(rec.id);
  const extraFds: number[] = [];
  if (rec.seccomp) {
    const bpf = compiledBpf ?? (await recordedProgram(rec));
    if (bpf) {
      extraFds.push(memfdWith('nook-seccomp', bpf));
      directives.splice(directives.length - 1, 0, ['seccomp-fd', String(DETACHED_SECCOMP_FD)]);
    }
  }
  if (rec.limits?.cgroup) prepareCgroup(rec.limits.cgroup.base, rec.id, rec.limits.cgroup.writes);
  // A new start is not a stop: the supervisor may restart it again.
  rmSync(containerFiles(rec.id).stopMarker, { force: true });
  // the runtime dir is empty after a reboot; the supervisor's attach socket lives there
  mkdirSync(dirname(attachSocketPath(rec.id)), { recursive: true, mode: 0o700 });
  // spawning needs child_process: only detached starts pay for loading it
  const { startDetached } = await import('../launcher/detached.js');
  return startDetached(launcherPath(), encodeDirectives(directives), extraFds);
}

/** Empties what a volatile overlay's earlier mount left (rootfs/volatile.ts), so the kernel mounts it again. */
async function resetVolatileScratch(id: string): Promise<void> {
  const files = containerFiles(id);
  const lastStart = readSupervisorState(files.state)?.startedAt ?? '';
  const stale = volatileDirsToReset(files, { workUsed: readdirSync(files.work).length > 0, lastStartMs: Date.parse(lastStart), bootMs: bootTimeMs() });
  if (stale.length === 0) return;
  // the kernel's files in them belong to the container's ids
  await removeTreesInNamespace(stale);
  mkdirSync(files.upper, { recursive: true, mode: 0o755 });
  mkdirSync(files.work, { recursive: true, mode: 0o700 });
}

/**
 * The container's seccomp program (null: none), compiled from the profile's text kept at
 * create, never from its file again: for `start`, `exec` and `cp`.
 */
export async function recordedProgram(rec: ContainerConfig): Promise<Buffer | null> {
  const profile = recordedProfile(rec);
  return profile ? (await compileProfile({ profile, capabilities: rec.seccomp!.capabilities })).bpf : null;
}

/** The profile kept at create (undefined: the container has none, it runs unconfined). */
export function recordedProfile(rec: ContainerConfig): ResolvedProfile | undefined {
  if (!rec.seccomp) return undefined;
  const { profile, file } = rec.seccomp;
  if (file !== undefined) return { ref: profile, file, text: readProfileText(containerFiles(rec.id).seccompProfile) };
  // An older nook kept only the name; a built-in does not depend on the working directory.
  if (isProfileName(profile)) return resolveProfile(profile);
  throw new NookError(`container ${rec.name} names its seccomp profile ${profile} by a path that nook would resolve again`, { hint: 'it was created by an older nook: remove and create it again' });
}
