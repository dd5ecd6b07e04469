// `nook profile ls|show|check|compile`.
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { fail } from '../../errors.js';
import { resolveCapabilities } from '../../security/capabilities.js';
import { compileProfile, filtersNothing, planFor } from '../../security/seccomp/compile.js';
import { describeProfile } from '../../security/seccomp/describe.js';
import { exportBpf } from '../../security/seccomp/libseccomp.js';
import { builtinNames, locateProfile, readProfileText, resolveProfile } from '../../security/seccomp/locate.js';
import { capDropUnder, parseProfile } from '../../security/seccomp/profile.js';
import type { ProfileCompileFlags } from '../flags/profile.js';

export async function profileLs(): Promise<number> {
  const rows = builtinNames().map((name) => {
    const file = locateProfile(name);
    return [name, parseProfile(readProfileText(file), file).comment ?? ''] as const;
  });
  const width = Math.max(4, ...rows.map(([n]) => n.length));
  process.stdout.write(`${'NAME'.padEnd(width)}  DESCRIPTION\n`);
  for (const [name, comment] of rows) process.stdout.write(`${name.padEnd(width)}  ${comment}\n`);
  return 0;
}

export async function profileShow(ref: string): Promise<number> {
  const file = locateProfile(ref);
  process.stdout.write(describeProfile(ref, parseProfile(readProfileText(file), file)));
  return 0;
}

/** Validates, then builds the program for the default capabilities less the profile's own drops (and throws it away). */
export async function profileCheck(ref: string): Promise<number> {
  const file = locateProfile(ref);
  const profile = parseProfile(readProfileText(file), file);
  const plan = planFor(profile, resolveCapabilities([], profile.capDrop));
  let notes: string[] = [];
  if (!filtersNothing(plan)) {
    const fd = openSync('/dev/null', 'w');
    try {
      notes = exportBpf(plan, fd, file);
    } finally {
      closeSync(fd);
    }
  }
  for (const note of notes) process.stderr.write(`nook: note: ${note}\n`);
  process.stdout.write(`ok: ${file}: ${profile.syscalls.length} entries, ${plan.rules.length} rules for the default capabilities${profile.capDrop.length ? ` less ${profile.capDrop.join(' ')}` : ''}\n`);
  return 0;
}

export async function profileCompile(ref: string, flags: ProfileCompileFlags): Promise<number> {
  const profile = resolveProfile(ref);
  // the capabilities a container under it would have, its own policy included
  const capabilities = resolveCapabilities(flags.capAdd ?? [], capDropUnder(profile, flags.capDrop ?? []));
  const compiled = await compileProfile({ profile, capabilities });
  if (!compiled.bpf) fail(`seccomp profile ${compiled.file} filters nothing; there is no program to write`, 'run without one: --security-opt seccomp=unconfined');
  for (const note of compiled.notes) process.stderr.write(`nook: note: ${note}\n`);
  writeFileSync(flags.output, compiled.bpf);
  process.stdout.write(`${flags.output}: ${compiled.bpf.length / 8} instructions\n`);
  return 0;
}
