// libseccomp 2.5 through ffi-rs: turns a FilterPlan into a raw classic-BPF program.
import { fail } from '../../errors.js';
import { bytesParam, ffi, openLibrary } from '../../native/ffi.js';
import type { Arch } from './arches.js';
import { OPS } from './profile.js';
import { actionCode, type FilterPlan, type PlannedRule } from './select.js';
import { errnoName } from '../../util/errno.js';
import { LIBSECCOMP_SONAME } from './cache.js';

const LIB = 'libseccomp';
const NR_SCMP_ERROR = -1;
/** enum scmp_filter_attr */
const ATTR_ACT_BADARCH = 2;
const ATTR_CTL_OPTIMIZE = 8;
/** SCMP_FLTATR_CTL_OPTIMIZE level 2: syscalls dispatched through a binary tree */
const OPTIMIZE_BINARY_TREE = 2;
const ACT_KILL_PROCESS = 0x80000000;
const EEXIST = 17;
/** sizeof(struct scmp_arg_cmp): u32 arg, u32 op, u64 datum_a, u64 datum_b */
const ARG_CMP_SIZE = 24;

type Ctx = unknown;

function call(funcName: string, retType: unknown, paramsType: unknown[], paramsValue: unknown[]): unknown {
  let b;
  try {
    b = openLibrary(LIB, LIBSECCOMP_SONAME);
  } catch (err) {
    fail(`cannot load libseccomp: ${(err as Error).message}`, 'install libseccomp2 (apt-get install libseccomp2)');
  }
  return b.load({ library: LIB, funcName, retType, paramsType, paramsValue, freeResultMemory: false });
}

function types() {
  return ffi().DataType as Record<'External' | 'U32' | 'I32' | 'String' | 'Void', number>;
}

export function libseccompVersion(): string {
  const T = types();
  const v = call('seccomp_version', { major: T.U32, minor: T.U32, micro: T.U32 }, [], []) as { major: number; minor: number; micro: number };
  return `${v.major}.${v.minor}.${v.micro}`;
}

/** The syscall number on `arch`, a negative pseudo number where it does not exist there, or -1 when unknown. */
export function resolveSyscall(arch: Arch, name: string): number {
  const T = types();
  return call('seccomp_syscall_resolve_name_arch', T.I32, [T.U32, T.String], [archToken(arch), name]) as number;
}

function archToken(arch: Arch): number {
  const T = types();
  return call('seccomp_arch_resolve_name', T.U32, [T.String], [arch]) as number;
}

/**
 * Builds the filter and writes the raw program to `fd`. Returns notes for the user (names this
 * libseccomp does not know are skipped, as Docker does). `file` names the profile in errors.
 */
export function exportBpf(plan: FilterPlan, fd: number, file: string): string[] {
  const T = types();
  const ctx = call('seccomp_init', T.External, [T.U32], [actionCode(plan.defaultAction)]) as Ctx;
  if (ctx === null || ctx === undefined) fail('libseccomp could not create a filter (seccomp_init failed)');
  try {
    check(call('seccomp_attr_set', T.I32, [T.External, T.U32, T.U32], [ctx, ATTR_ACT_BADARCH, ACT_KILL_PROCESS]), 'set the bad-architecture action');
    for (const arch of plan.arches.slice(1)) {
      const rc = call('seccomp_arch_add', T.I32, [T.External, T.U32], [ctx, archToken(arch)]) as number;
      if (rc !== -EEXIST) check(rc, `add architecture ${arch}`);
    }
    // Older libseccomp lacks the optimiser; the linear filter it then builds is still correct.
    call('seccomp_attr_set', T.I32, [T.External, T.U32, T.U32], [ctx, ATTR_CTL_OPTIMIZE, OPTIMIZE_BINARY_TREE]);
    const unknown = new Set<string>();
    for (const rule of plan.rules) {
      const nr = resolveSyscall(plan.arches[0]!, rule.name);
      if (nr === NR_SCMP_ERROR) {
        unknown.add(rule.name);
        continue;
      }
      const rc = addRule(ctx, rule, nr);
      if (rc < 0) {
        fail(`seccomp profile ${file}: syscalls[${rule.entry}]: libseccomp refused the rule for ${rule.name}: ${errnoName(-rc)}`,
          'libseccomp 2.5 cannot compare one argument twice in a rule, nor mix an unconditional rule with conditional ones of another action');
      }
    }
    check(call('seccomp_export_bpf', T.I32, [T.External, T.I32], [ctx, fd]), 'export the program');
    if (unknown.size === 0) return [];
    return [`libseccomp ${libseccompVersion()} does not know ${unknown.size} system call name(s) of ${file}, skipped: ${[...unknown].join(', ')}`];
  } finally {
    call('seccomp_release', T.Void, [T.External], [ctx]);
  }
}

function addRule(ctx: Ctx, rule: PlannedRule, nr: number): number {
  const T = types();
  // ffi-rs needs a non-empty buffer even when the count is zero.
  const cmps = Buffer.alloc(ARG_CMP_SIZE * Math.max(1, rule.args.length));
  rule.args.forEach((a, i) => {
    const at = i * ARG_CMP_SIZE;
    cmps.writeUInt32LE(a.index, at);
    cmps.writeUInt32LE(OPS[a.op], at + 4);
    cmps.writeBigUInt64LE(BigInt(a.value), at + 8);
    cmps.writeBigUInt64LE(BigInt(a.valueTwo), at + 16);
  });
  return call('seccomp_rule_add_array', T.I32, [T.External, T.U32, T.I32, T.U32, bytesParam(cmps)],
    [ctx, actionCode(rule.action), nr, rule.args.length, cmps]) as number;
}

function check(rc: unknown, what: string): void {
  if (typeof rc === 'number' && rc < 0) fail(`libseccomp could not ${what}: ${errnoName(-rc)}`);
}

