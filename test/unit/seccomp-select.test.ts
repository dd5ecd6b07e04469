import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { DEFAULT_CAPABILITIES, type Capability } from '../../src/security/capabilities.js';
import { parseProfile } from '../../src/security/seccomp/profile.js';
import { guardSocketcall, planFilter, parseKernelRelease, type Target } from '../../src/security/seccomp/select.js';

const profile = parseProfile(JSON.stringify({
  defaultAction: 'SCMP_ACT_ERRNO',
  archMap: [
    { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
    { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
  ],
  syscalls: [
    { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
    { names: ['mount'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
    { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0x7e020000, op: 'SCMP_CMP_MASKED_EQ' }], excludes: { caps: ['CAP_SYS_ADMIN'] } },
    { names: ['bpf'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_BPF', 'CAP_PERFMON'], minKernel: '5.8' } },
    { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64'] } },
    { names: ['old'], action: 'SCMP_ACT_ALLOW', excludes: { minKernel: '6.0' } },
    { names: ['keyctl'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 },
    { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }, { index: 0, value: 2, op: 'SCMP_CMP_EQ' }] },
    { names: ['kill'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_GT' }, { index: 1, value: 9, op: 'SCMP_CMP_NE' }] },
  ],
}), 't.json');

const target = (capabilities: Capability[], kernel: [number, number] = [6, 1], arch: Target['arch'] = 'x86_64'): Target => ({ capabilities, kernel, arch });
const names = (t: Target) => planFilter(profile, t).rules.map((r) => r.name);

test('includes.caps needs every listed capability; excludes.caps drops on any', () => {
  assert.equal(names(target([...DEFAULT_CAPABILITIES])), ['read', 'write', 'clone', 'arch_prctl', 'socket', 'socket', 'kill']);
  assert.equal(names(target(['SYS_ADMIN'])), ['read', 'write', 'mount', 'arch_prctl', 'socket', 'socket', 'kill']);
  assert.equal(names(target(['BPF'])).includes('bpf'), false);
  assert.equal(names(target(['BPF', 'PERFMON'])).includes('bpf'), true);
});

test('minKernel: includes needs at least that kernel, excludes drops from it on', () => {
  assert.equal(names(target(['BPF', 'PERFMON'], [5, 7])).includes('bpf'), false);
  assert.equal(names(target(['BPF', 'PERFMON'], [5, 8])).includes('bpf'), true);
  assert.equal(names(target([], [5, 19])).includes('old'), true);
  assert.equal(names(target([], [6, 0])).includes('old'), false);
  assert.equal(parseKernelRelease('6.18.44-fc-v657'), [6, 18]);
});

test('arches: includes match the native architecture; the archMap entry picks the sub-architectures', () => {
  assert.equal(names(target([], [6, 1], 'aarch64')).includes('arch_prctl'), false);
  assert.equal(planFilter(profile, target([])).arches, ['x86_64', 'x86', 'x32']);
  assert.equal(planFilter(profile, target([], [6, 1], 'aarch64')).arches, ['aarch64', 'arm']);
});

test('rules with the default action are left out; a repeated argument index becomes one rule per condition', () => {
  const plan = planFilter(profile, target([]));
  assert.not.ok(plan.rules.some((r) => r.name === 'keyctl'));
  assert.equal(plan.rules.filter((r) => r.name === 'socket').map((r) => r.args.map((a) => a.value)), [[1], [2]]);
  assert.equal(plan.rules.find((r) => r.name === 'kill')!.args.length, 2);
});

test('a socket family filter refuses socketcall (ENOSYS) where 32-bit entry points reach it', () => {
  const plan = (p: object, arch: Target['arch'] = 'x86_64') => guardSocketcall(planFilter(parseProfile(JSON.stringify(p), 'p.json'), target([], [6, 1], arch))).rules;
  const family = { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] };
  const allowSocketcall = { names: ['socketcall'], action: 'SCMP_ACT_ALLOW' };
  const x86 = [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86'] }];
  // an explicit allow of socketcall gives way: it would open every family to i386 programs
  const rules = plan({ defaultAction: 'SCMP_ACT_ERRNO', archMap: x86, syscalls: [allowSocketcall, family] });
  assert.equal(rules.filter((r) => r.name === 'socketcall').map((r) => [r.action, r.args]), [[{ name: 'SCMP_ACT_ERRNO', data: 38 }, []]]);
  assert.is(rules[0]!.name, 'socketcall', 'before the socket rules');
  // the refusal differs from the default action, or planFilter's own rule would drop it
  const enosys = plan({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38, archMap: x86, syscalls: [family] });
  assert.equal(enosys.find((r) => r.name === 'socketcall')!.action, { name: 'SCMP_ACT_ERRNO', data: 1 });
  // no 32-bit x86 in the filter, or no family filter: nothing changes
  const x86Only = { architecture: 'SCMP_ARCH_X86_64', subArchitectures: [] };
  assert.equal(plan({ defaultAction: 'SCMP_ACT_ERRNO', archMap: [x86Only], syscalls: [allowSocketcall, family] }).map((r) => r.name), ['socketcall', 'socket']);
  assert.equal(plan({ defaultAction: 'SCMP_ACT_ERRNO', archMap: [{ architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] }], syscalls: [family] }, 'aarch64').map((r) => r.name), ['socket']);
  assert.equal(plan({ defaultAction: 'SCMP_ACT_ERRNO', archMap: x86, syscalls: [allowSocketcall, { names: ['socket'], action: 'SCMP_ACT_ALLOW' }] }).map((r) => r.action.name), ['SCMP_ACT_ALLOW', 'SCMP_ACT_ALLOW']);
});

// The ioctl rules of default and strict are a cover of masked comparisons (libseccomp cannot
// allow a syscall except for some values). Evaluate them over the request space, with high bits.
function ioctlRules(file: string): [bigint, bigint][][] {
  const p = parseProfile(readFileSync(new URL(`../../profiles/${file}`, import.meta.url), 'utf8'), file);
  return p.syscalls.filter((r) => r.names.includes('ioctl') && r.action.name === 'SCMP_ACT_ALLOW').map((r) =>
    r.args.map((a) => {
      assert.is(a.op, 'SCMP_CMP_MASKED_EQ');
      return [BigInt(a.value), BigInt(a.valueTwo)];
    }));
}

const allowed = (rules: [bigint, bigint][][], request: bigint) =>
  rules.some((args) => args.every(([mask, value]) => (request & mask) === value));

test('ioctl: exactly TIOCSTI and TIOCLINUX are refused, whatever the high 32 bits hold', () => {
  for (const file of ['default.json', 'strict.json']) {
    const rules = ioctlRules(file);
    const refused: string[] = [];
    for (let low = 0n; low < 0x10000n; low++) {
      for (const high of [0n, 0xffffffff00000000n, 0x100000000n]) {
        if (!allowed(rules, high | low)) refused.push(`${(high | low).toString(16)}`);
      }
    }
    assert.equal(refused, ['5412', 'ffffffff00005412', '100005412', '541c', 'ffffffff0000541c', '10000541c'], file);
    assert.ok(allowed(rules, 0xffffffff80045430n), 'sign-extended _IOR requests (musl) pass');
  }
});

test.run();
