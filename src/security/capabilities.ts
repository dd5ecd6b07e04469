// Capability names and numbers (linux/capability.h) and the set arithmetic for --cap-add/--cap-drop.
import { fail } from '../errors.js';

export const CAPABILITIES = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID',
  'SETPCAP', 'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW',
  'IPC_LOCK', 'IPC_OWNER', 'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT',
  'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE', 'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD',
  'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP', 'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG',
  'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF', 'CHECKPOINT_RESTORE',
] as const;

export type Capability = (typeof CAPABILITIES)[number];

/** Docker's default set: what a container's root holds unless told otherwise. */
export const DEFAULT_CAPABILITIES: readonly Capability[] = [
  'CHOWN', 'DAC_OVERRIDE', 'FSETID', 'FOWNER', 'MKNOD', 'NET_RAW', 'SETGID', 'SETUID',
  'SETFCAP', 'SETPCAP', 'NET_BIND_SERVICE', 'SYS_CHROOT', 'KILL', 'AUDIT_WRITE',
];

/** Accepts `chown`, `CHOWN` and `CAP_CHOWN`, as Docker does. */
export function parseCapability(name: string): Capability | 'ALL' {
  const upper = name.trim().toUpperCase().replace(/^CAP_/, '');
  if (upper === 'ALL') return 'ALL';
  if ((CAPABILITIES as readonly string[]).includes(upper)) return upper as Capability;
  fail(`unknown capability: "${name}"`, 'see capabilities(7) for the names');
}

/** Docker's rule: drops apply to the default set first, then adds; ALL works on either side. */
export function resolveCapabilities(add: string[], drop: string[], base: readonly Capability[] = DEFAULT_CAPABILITIES): Capability[] {
  const adds = add.map(parseCapability);
  const drops = drop.map(parseCapability);
  let set = new Set<Capability>(drops.includes('ALL') ? [] : base);
  for (const d of drops) if (d !== 'ALL') set.delete(d);
  if (adds.includes('ALL')) set = new Set(CAPABILITIES);
  for (const a of adds) if (a !== 'ALL') set.add(a);
  return CAPABILITIES.filter((c) => set.has(c));
}

/** A capability list as the launcher's hex mask. */
export function capabilityMask(caps: readonly Capability[]): string {
  let mask = 0n;
  for (const c of caps) mask |= 1n << BigInt(CAPABILITIES.indexOf(c));
  return mask.toString(16);
}

/** The capabilities a launcher mask (hex) names. */
export function capabilitiesOfMask(hex: string): Capability[] {
  const mask = BigInt('0x' + hex);
  return CAPABILITIES.filter((_, i) => ((mask >> BigInt(i)) & 1n) === 1n);
}
