// Chooses what goes into the filter for one container: which entries apply (includes/excludes
// against its capabilities, the kernel and the architecture) and how each becomes libseccomp
// rules. Pure: no libseccomp, no files, so every decision is unit-tested.
import type { Capability } from '../capabilities.js';
import type { Arch } from './arches.js';
import type { Action, ArgCondition, Condition, Profile } from './profile.js';

export interface Target {
  /** the container's final capability set */
  capabilities: readonly Capability[];
  /** running kernel, [major, minor] */
  kernel: [number, number];
  arch: Arch;
}

export interface PlannedRule {
  name: string;
  action: Action;
  /** ANDed; at most one condition per argument index (libseccomp's limit) */
  args: ArgCondition[];
  /** index in the profile's syscalls[], for error messages */
  entry: number;
}

export interface FilterPlan {
  defaultAction: Action;
  /** the native architecture first, then the others the filter covers */
  arches: Arch[];
  rules: PlannedRule[];
}

export function planFilter(profile: Profile, target: Target): FilterPlan {
  const rules: PlannedRule[] = [];
  profile.syscalls.forEach((entry, index) => {
    if (!applies(entry.includes, entry.excludes, target)) return;
    // A rule with the default action changes nothing (libseccomp refuses it); it stays in the
    // profile only to document a refusal.
    if (sameAction(entry.action, profile.defaultAction)) return;
    for (const args of argSets(entry.args)) {
      for (const name of entry.names) rules.push({ name, action: entry.action, args, entry: index });
    }
  });
  return { defaultAction: profile.defaultAction, arches: filterArches(profile, target.arch), rules };
}

/** Where socket(2) is also reached through socketcall(2), and libseccomp routes socket rules there too. */
const SOCKETCALL_ARCHES: readonly Arch[] = ['x86', 's390', 's390x', 'ppc', 'ppc64', 'ppc64le', 'mips', 'mipsel'];
const ENOSYS = 38;
const EPERM = 1;

/**
 * Applied to every profile nook compiles (not by planFilter, which reads a profile as its
 * runtime would). A profile that filters socket(2) by its arguments (the address family) cannot filter
 * socketcall(2) the same way: its arguments sit in memory, and libseccomp's companion rule for
 * socketcall(SYS_SOCKET) checks only the call number, so a 32-bit program would reach every
 * family. socketcall is therefore refused whenever the filter covers such an architecture,
 * with ENOSYS (the direct calls exist since Linux 4.3; a libc built for older kernels loses its
 * sockets). Docker allows it: its block (moby/profiles 7158007) was reverted for breaking x86
 * binaries; nook keeps the family filter whole instead. The errno must differ from the default
 * action: a rule with the default action is dropped (see planFilter), and then libseccomp's
 * companion allow would stand.
 */
export function guardSocketcall(plan: FilterPlan): FilterPlan {
  const family = plan.rules.find((r) => r.name === 'socket' && r.args.length > 0);
  if (!family || !plan.arches.some((a) => SOCKETCALL_ARCHES.includes(a))) return plan;
  const enosys: Action = { name: 'SCMP_ACT_ERRNO', data: ENOSYS };
  const action = sameAction(enosys, plan.defaultAction) ? { name: 'SCMP_ACT_ERRNO' as const, data: EPERM } : enosys;
  return { ...plan, rules: [{ name: 'socketcall', action, args: [], entry: family.entry }, ...plan.rules.filter((r) => r.name !== 'socketcall')] };
}

/** Docker's rules: any excluded cap present, or all included caps present; arches match the native one. */
export function applies(includes: Condition, excludes: Condition, target: Target): boolean {
  const has = (c: Capability) => target.capabilities.includes(c);
  if (excludes.arches.includes(target.arch)) return false;
  if (excludes.caps.some(has)) return false;
  if (excludes.minKernel && atLeast(target.kernel, excludes.minKernel)) return false;
  if (includes.arches.length > 0 && !includes.arches.includes(target.arch)) return false;
  if (!includes.caps.every(has)) return false;
  if (includes.minKernel && !atLeast(target.kernel, includes.minKernel)) return false;
  return true;
}

/**
 * Conditions on distinct arguments are ANDed into one rule. When one argument is compared more
 * than once, each condition becomes its own rule (ORed), as runc does: libseccomp 2.5 cannot
 * compare an argument twice in one rule.
 */
function argSets(args: ArgCondition[]): ArgCondition[][] {
  const indexes = args.map((a) => a.index);
  if (new Set(indexes).size === indexes.length) return [args];
  return args.map((a) => [a]);
}

function filterArches(profile: Profile, native: Arch): Arch[] {
  const out: Arch[] = [native];
  for (const a of profile.architectures) if (!out.includes(a)) out.push(a);
  for (const m of profile.archMap) {
    if (m.architecture !== native) continue;
    for (const a of m.subArchitectures) if (!out.includes(a)) out.push(a);
  }
  return out;
}

function sameAction(a: Action, b: Action): boolean {
  return actionCode(a) === actionCode(b);
}

/** The action as the kernel sees it (SCMP_ACT_* values from seccomp.h). */
export function actionCode(a: Action): number {
  switch (a.name) {
    case 'SCMP_ACT_ALLOW': return 0x7fff0000;
    case 'SCMP_ACT_ERRNO': return (0x00050000 | (a.data & 0xffff)) >>> 0;
    case 'SCMP_ACT_TRACE': return (0x7ff00000 | (a.data & 0xffff)) >>> 0;
    case 'SCMP_ACT_LOG': return 0x7ffc0000;
    case 'SCMP_ACT_TRAP': return 0x00030000;
    case 'SCMP_ACT_KILL_PROCESS': return 0x80000000;
    case 'SCMP_ACT_KILL':
    case 'SCMP_ACT_KILL_THREAD': return 0;
  }
}

function atLeast(have: [number, number], want: [number, number]): boolean {
  return have[0] > want[0] || (have[0] === want[0] && have[1] >= want[1]);
}

/** `6.18.44-foo` -> [6, 18] */
export function parseKernelRelease(release: string): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}
