// A seccomp profile in Docker's JSON format, parsed and checked. Every mistake is reported as
// one line naming the file, the place (syscalls[3].args[0].op) and the bad value.
import { fail } from '../../errors.js';
import { CAPABILITIES, type Capability } from '../capabilities.js';
import { parseArch, type Arch } from './arches.js';

export const ACTIONS = [
  'SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_KILL_PROCESS',
  'SCMP_ACT_TRAP', 'SCMP_ACT_TRACE', 'SCMP_ACT_LOG',
] as const;
export type ActionName = (typeof ACTIONS)[number];

/** Operators in libseccomp's numbering (enum scmp_compare). */
export const OPS = {
  SCMP_CMP_NE: 1, SCMP_CMP_LT: 2, SCMP_CMP_LE: 3, SCMP_CMP_EQ: 4, SCMP_CMP_GE: 5, SCMP_CMP_GT: 6,
  SCMP_CMP_MASKED_EQ: 7,
} as const;
export type OpName = keyof typeof OPS;

export interface Action {
  name: ActionName;
  /** errno for SCMP_ACT_ERRNO, message for SCMP_ACT_TRACE */
  data: number;
}

export interface ArgCondition {
  index: number;
  /** for SCMP_CMP_MASKED_EQ: the mask */
  value: number;
  /** for SCMP_CMP_MASKED_EQ: the value the masked argument must equal */
  valueTwo: number;
  op: OpName;
}

export interface Condition {
  caps: Capability[];
  arches: Arch[];
  /** [major, minor] */
  minKernel: [number, number] | undefined;
}

export interface SyscallRule {
  names: string[];
  action: Action;
  args: ArgCondition[];
  includes: Condition;
  excludes: Condition;
  comment: string | undefined;
}

export interface Profile {
  file: string;
  comment: string | undefined;
  defaultAction: Action;
  /** flat list form; the filter gets all of them */
  architectures: Arch[];
  /** per native architecture: the sub-architectures (32-bit ABIs) the filter also covers */
  archMap: { architecture: Arch; subArchitectures: Arch[] }[];
  syscalls: SyscallRule[];
  /** `nook.capDrop`: capabilities a container under this profile loses before --cap-add */
  capDrop: (Capability | 'ALL')[];
}

const EPERM = 1;
// containers/common (podman) writes the errno's name beside the number (defaultErrno, errno);
// they are accepted as documentation: the number decides.
// `nook` holds what the JSON format of Docker cannot say: the capability policy that goes with
// the filter. Docker and podman ignore fields they do not know, so such a file works there too.
const TOP_FIELDS = ['comment', 'defaultAction', 'defaultErrnoRet', 'defaultErrno', 'architectures', 'archMap', 'syscalls', 'nook'];
const NOOK_FIELDS = ['capDrop'];
const RULE_FIELDS = ['names', 'action', 'errnoRet', 'errno', 'args', 'includes', 'excludes', 'comment'];
const ARG_FIELDS = ['index', 'value', 'valueTwo', 'op'];
const CONDITION_FIELDS = ['caps', 'arches', 'minKernel'];

type Json = Record<string, unknown>;

function badFor(file: string) {
  return (where: string, what: string): never =>
    fail(`seccomp profile ${file}: ${where}: ${what}`, 'fix the profile; `nook profile check FILE` checks it');
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    fail(`seccomp profile ${file}: not valid JSON: ${jsonErrorPlace(text, (err as Error).message)}`, 'fix the JSON syntax');
  }
}

/**
 * Only the profile's `nook.capDrop`, without checking the rest: the container's capabilities
 * (part of the compiled program's cache key) depend on it before a cache hit is looked up.
 */
export function profileCapDrop(text: string, file: string): (Capability | 'ALL')[] {
  const bad = badFor(file);
  return nookSettings(object(parseJson(text, file), 'the profile', bad)['nook'], bad).capDrop;
}

/** What a container under `profile` drops: the profile's own policy, then the flags' --cap-drop. */
export function capDropUnder(profile: { text: string; file: string } | undefined, flagDrops: readonly string[]): string[] {
  return [...(profile ? profileCapDrop(profile.text, profile.file) : []), ...flagDrops];
}

/** Parses and checks a profile's text; `file` only names it in errors. */
export function parseProfile(text: string, file: string): Profile {
  const bad = badFor(file);
  const top = object(parseJson(text, file), 'the profile', bad);
  fields(top, TOP_FIELDS, 'the profile', bad);
  const defaultAction = action(top['defaultAction'], top['defaultErrnoRet'], 'defaultAction', 'defaultErrnoRet', bad);
  optionalString(top['defaultErrno'], 'defaultErrno', bad);
  if (top['architectures'] !== undefined && top['archMap'] !== undefined) {
    bad('architectures', 'give either architectures or archMap, not both');
  }
  const architectures = arches(top['architectures'] ?? [], 'architectures', bad);
  const archMap = array(top['archMap'] ?? [], 'archMap', bad).map((entry, i) => {
    const where = `archMap[${i}]`;
    const e = object(entry, where, bad);
    fields(e, ['architecture', 'subArchitectures'], where, bad);
    return { architecture: oneArch(e['architecture'], `${where}.architecture`, bad), subArchitectures: arches(e['subArchitectures'] ?? [], `${where}.subArchitectures`, bad) };
  });
  const syscalls = array(top['syscalls'] ?? [], 'syscalls', bad).map((entry, i) => rule(entry, `syscalls[${i}]`, bad));
  return { file, comment: optionalString(top['comment'], 'comment', bad), defaultAction, architectures, archMap, syscalls, ...nookSettings(top['nook'], bad) };
}

function nookSettings(raw: unknown, bad: Bad): { capDrop: (Capability | 'ALL')[] } {
  if (raw === undefined) return { capDrop: [] };
  const n = object(raw, 'nook', bad);
  fields(n, NOOK_FIELDS, 'nook', bad);
  const capDrop = array(n['capDrop'] ?? [], 'nook.capDrop', bad).map((cap, j) => capabilityName(cap, `nook.capDrop[${j}]`, bad, true));
  return { capDrop };
}

/** A capability as profiles name it (`CAP_` optional); `ALL` only where a list may say every one. */
function capabilityName(raw: unknown, where: string, bad: Bad, allowAll: true): Capability | 'ALL';
function capabilityName(raw: unknown, where: string, bad: Bad, allowAll?: false): Capability;
function capabilityName(raw: unknown, where: string, bad: Bad, allowAll = false): Capability | 'ALL' {
  const name = typeof raw === 'string' ? raw.replace(/^CAP_/, '') : '';
  if (!(allowAll && name === 'ALL') && !(CAPABILITIES as readonly string[]).includes(name)) bad(where, `unknown capability ${show(raw)}`);
  return name as Capability | 'ALL';
}

type Bad = (where: string, what: string) => never;

function rule(raw: unknown, where: string, bad: Bad): SyscallRule {
  const e = object(raw, where, bad);
  fields(e, RULE_FIELDS, where, bad);
  const names = array(e['names'], `${where}.names`, bad).map((n, j) => {
    if (typeof n !== 'string' || !/^[a-z0-9_]+$/.test(n)) bad(`${where}.names[${j}]`, `${show(n)} is not a system call name`);
    return n as string;
  });
  if (names.length === 0) bad(`${where}.names`, 'is empty');
  const args = array(e['args'] ?? [], `${where}.args`, bad).map((a, j) => arg(a, `${where}.args[${j}]`, bad));
  optionalString(e['errno'], `${where}.errno`, bad);
  return {
    names,
    action: action(e['action'], e['errnoRet'], `${where}.action`, `${where}.errnoRet`, bad),
    args,
    includes: condition(e['includes'], `${where}.includes`, bad),
    excludes: condition(e['excludes'], `${where}.excludes`, bad),
    comment: optionalString(e['comment'], `${where}.comment`, bad),
  };
}

function action(name: unknown, ret: unknown, where: string, retWhere: string, bad: Bad): Action {
  if (name === 'SCMP_ACT_NOTIFY') bad(where, '"SCMP_ACT_NOTIFY" needs a notification listener, which nook does not run');
  if (typeof name !== 'string' || !(ACTIONS as readonly string[]).includes(name)) {
    bad(where, `unknown action ${show(name)} (one of ${ACTIONS.join(', ')})`);
  }
  const act = name as ActionName;
  if (ret === undefined) return { name: act, data: act === 'SCMP_ACT_ERRNO' ? EPERM : 0 };
  if (act !== 'SCMP_ACT_ERRNO' && act !== 'SCMP_ACT_TRACE') bad(retWhere, `only applies to SCMP_ACT_ERRNO and SCMP_ACT_TRACE, not ${act}`);
  // The kernel passes at most MAX_ERRNO (4095) back as an errno; TRACE data is 16 bits.
  const max = act === 'SCMP_ACT_ERRNO' ? 4095 : 0xffff;
  return { name: act, data: integer(ret, retWhere, 0, max, bad) };
}

function arg(raw: unknown, where: string, bad: Bad): ArgCondition {
  const a = object(raw, where, bad);
  fields(a, ARG_FIELDS, where, bad);
  const index = a['index'];
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index > 5) {
    bad(`${where}.index`, `${show(index)} is out of range (system calls have arguments 0 to 5)`);
  }
  const op = a['op'];
  if (typeof op !== 'string' || !(op in OPS)) bad(`${where}.op`, `unknown op ${show(op)} (one of ${Object.keys(OPS).join(', ')})`);
  return {
    index: index as number,
    value: integer(a['value'], `${where}.value`, 0, Number.MAX_SAFE_INTEGER, bad),
    valueTwo: a['valueTwo'] === undefined ? 0 : integer(a['valueTwo'], `${where}.valueTwo`, 0, Number.MAX_SAFE_INTEGER, bad),
    op: op as OpName,
  };
}

function condition(raw: unknown, where: string, bad: Bad): Condition {
  if (raw === undefined) return { caps: [], arches: [], minKernel: undefined };
  const c = object(raw, where, bad);
  fields(c, CONDITION_FIELDS, where, bad);
  const caps = array(c['caps'] ?? [], `${where}.caps`, bad).map((cap, j) => capabilityName(cap, `${where}.caps[${j}]`, bad));
  let minKernel: [number, number] | undefined;
  if (c['minKernel'] !== undefined) {
    const m = typeof c['minKernel'] === 'string' ? /^(\d+)\.(\d+)$/.exec(c['minKernel']) : null;
    if (!m) bad(`${where}.minKernel`, `${show(c['minKernel'])} is not a kernel version like "5.8"`);
    minKernel = [Number(m![1]), Number(m![2])];
  }
  return { caps, arches: arches(c['arches'] ?? [], `${where}.arches`, bad), minKernel };
}

function arches(raw: unknown, where: string, bad: Bad): Arch[] {
  return array(raw, where, bad).map((a, j) => oneArch(a, `${where}[${j}]`, bad));
}

function oneArch(raw: unknown, where: string, bad: Bad): Arch {
  const arch = typeof raw === 'string' ? parseArch(raw) : undefined;
  if (!arch) bad(where, `unknown architecture ${show(raw)}`);
  return arch!;
}

function object(raw: unknown, where: string, bad: Bad): Json {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) bad(where, `must be an object, not ${show(raw)}`);
  return raw as Json;
}

function array(raw: unknown, where: string, bad: Bad): unknown[] {
  if (!Array.isArray(raw)) bad(where, `must be an array, not ${show(raw)}`);
  return raw as unknown[];
}

function fields(obj: Json, allowed: string[], where: string, bad: Bad): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) bad(where, `unknown field "${key}" (known: ${allowed.join(', ')})`);
  }
}

function integer(raw: unknown, where: string, min: number, max: number, bad: Bad): number {
  // JSON numbers above 2^53 lose precision when parsed, so they are refused rather than rounded.
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < min || raw > max) {
    bad(where, `${show(raw)} is not an integer from ${min} to ${max}`);
  }
  return raw as number;
}

function optionalString(raw: unknown, where: string, bad: Bad): string | undefined {
  if (raw !== undefined && typeof raw !== 'string') bad(where, `must be a string, not ${show(raw)}`);
  return raw as string | undefined;
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 40 ? s.slice(0, 37) + '...' : s;
}

/** Node 20 reports JSON errors by character position; people read lines and columns. */
function jsonErrorPlace(text: string, message: string): string {
  const m = /at position (\d+)/.exec(message);
  if (!m) return message;
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  return `${message.replace(/ in JSON at position \d+.*$/, '')} at line ${line} column ${column}`;
}
