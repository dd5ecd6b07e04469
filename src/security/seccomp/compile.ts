// A profile (as read once) + the container's capabilities -> a raw BPF program for the launcher's
// seccomp-fd directive, compiled once per distinct input and cached.
import { release } from 'node:os';
import { join } from 'node:path';
import { fail } from '../../errors.js';
import type { Capability } from '../capabilities.js';
import { nativeArch } from './arches.js';
import { cachedProgram, cacheKey, libseccompIdentity, seccompCacheDir, writeAtomically } from './cache.js';
import { exportBpf } from './libseccomp.js';
import { resolveProfile, type ResolvedProfile } from './locate.js';
import { parseProfile, type Profile } from './profile.js';
import { guardSocketcall, parseKernelRelease, planFilter, type FilterPlan } from './select.js';

export interface CompiledProfile {
  /** the profile's file */
  file: string;
  /** raw classic BPF (a multiple of 8 bytes); null when the profile filters nothing */
  bpf: Buffer | null;
  /** where the program is cached; null with bpf */
  path: string | null;
  /** things the user should know (skipped names) */
  notes: string[];
}

export interface CompileRequest {
  profile: ResolvedProfile;
  /** the container's final capability set */
  capabilities: readonly Capability[];
}

export async function compileProfile(req: CompileRequest): Promise<CompiledProfile> {
  const { file, text } = req.profile;
  // A hit needs neither validation nor libseccomp: only what was validated is ever cached,
  // and `nook run` should not pay ~15 ms for loading libseccomp on every start.
  const key = cacheKey({
    profileText: text, capabilities: req.capabilities, arch: nativeArch(), kernel: release(), libseccomp: libseccompIdentity(),
  });
  const path = join(seccompCacheDir(), key.name + '.bpf');
  const cached = cachedProgram(path, key.header);
  if (cached) return { file, bpf: cached, path, notes: [] };

  const profile = parseProfile(text, file);
  const plan = planFor(profile, req.capabilities);
  if (filtersNothing(plan)) return { file, bpf: null, path: null, notes: [] };

  let notes: string[] = [];
  const bpf = writeAtomically(path, key.header, (fd) => { notes = exportBpf(plan, fd, file); });
  if (bpf.length === 0 || bpf.length % 8 !== 0) fail(`libseccomp produced a malformed program (${bpf.length} bytes) for ${file}`);
  return { file, bpf, path, notes };
}

export function planFor(profile: Profile, capabilities: readonly Capability[]): FilterPlan {
  return guardSocketcall(planFilter(profile, { capabilities, kernel: parseKernelRelease(release()), arch: nativeArch() }));
}

/** An allow-everything profile needs no program at all (`unconfined`). */
export function filtersNothing(plan: FilterPlan): boolean {
  return plan.defaultAction.name === 'SCMP_ACT_ALLOW' && plan.rules.length === 0;
}

/**
 * The program for a process nook runs in a container's root on its own behalf (export's and
 * cp's tar, which may be the container's own code): the container's profile, or `default`
 * where the container runs unconfined, a choice made for the workload, not for nook's helper.
 */
export async function helperProgram(profile: ResolvedProfile | undefined, capabilities: readonly Capability[]): Promise<Buffer> {
  const own = profile === undefined ? null : (await compileProfile({ profile, capabilities })).bpf;
  return own ?? (await compileProfile({ profile: resolveProfile('default'), capabilities })).bpf!;
}
