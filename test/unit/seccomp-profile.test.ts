import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { NookError } from '../../src/errors.js';
import { parseProfile, profileCapDrop } from '../../src/security/seccomp/profile.js';

/** The one-line message parseProfile throws for `profile` (an object or raw text). */
function errorOf(profile: unknown): string {
  const text = typeof profile === 'string' ? profile : JSON.stringify(profile);
  try {
    parseProfile(text, '/p/x.json');
  } catch (err) {
    assert.instance(err, NookError);
    return (err as NookError).message;
  }
  throw new Error('no error');
}

const base = { defaultAction: 'SCMP_ACT_ERRNO' };
const withRule = (rule: object) => ({ ...base, syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }, rule] });

test('bad JSON names the file, line and column', () => {
  assert.match(errorOf('{\n  "defaultAction": "SCMP_ACT_ERRNO",\n}'), /^seccomp profile \/p\/x\.json: not valid JSON: .* at line 3 column 1$/);
});

test('unknown action names the entry, the field and the value', () => {
  assert.match(errorOf(withRule({ names: ['write'], action: 'SCMP_ACT_ALOW' })),
    /^seccomp profile \/p\/x\.json: syscalls\[1\]\.action: unknown action "SCMP_ACT_ALOW" \(one of SCMP_ACT_ALLOW, /);
  assert.match(errorOf({ defaultAction: 'ALLOW' }), /: defaultAction: unknown action "ALLOW"/);
  assert.match(errorOf(withRule({ names: ['write'], action: 'SCMP_ACT_NOTIFY' })), /syscalls\[1\]\.action: "SCMP_ACT_NOTIFY" needs a notification listener/);
});

test('bad op', () => {
  assert.is(errorOf(withRule({ names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQUAL' }] })),
    'seccomp profile /p/x.json: syscalls[1].args[0].op: unknown op "SCMP_CMP_EQUAL" (one of SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ)');
});

test('argument index out of range', () => {
  assert.is(errorOf(withRule({ names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] })),
    'seccomp profile /p/x.json: syscalls[1].args[0].index: 6 is out of range (system calls have arguments 0 to 5)');
  assert.match(errorOf(withRule({ names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: -1, value: 1, op: 'SCMP_CMP_EQ' }] })), /args\[0\]\.index: -1 is out of range/);
});

test('unknown architecture, wherever it is named', () => {
  assert.is(errorOf({ ...base, architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_Z80'] }),
    'seccomp profile /p/x.json: architectures[1]: unknown architecture "SCMP_ARCH_Z80"');
  assert.is(errorOf({ ...base, archMap: [{ architecture: 'SCMP_ARCH_PDP11', subArchitectures: [] }] }),
    'seccomp profile /p/x.json: archMap[0].architecture: unknown architecture "SCMP_ARCH_PDP11"');
  assert.is(errorOf(withRule({ names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64', 'vax'] } })),
    'seccomp profile /p/x.json: syscalls[1].includes.arches[1]: unknown architecture "vax"');
  assert.match(errorOf({ ...base, architectures: ['SCMP_ARCH_X86_64'], archMap: [] }), /architectures: give either architectures or archMap, not both/);
});

test('wrong types and unknown fields', () => {
  assert.is(errorOf([]), 'seccomp profile /p/x.json: the profile: must be an object, not []');
  assert.is(errorOf({ ...base, syscalls: {} }), 'seccomp profile /p/x.json: syscalls: must be an array, not {}');
  assert.is(errorOf(withRule({ names: 'read', action: 'SCMP_ACT_ALLOW' })), 'seccomp profile /p/x.json: syscalls[1].names: must be an array, not "read"');
  assert.is(errorOf(withRule({ names: [], action: 'SCMP_ACT_ALLOW' })), 'seccomp profile /p/x.json: syscalls[1].names: is empty');
  assert.is(errorOf(withRule({ names: ['Read!'], action: 'SCMP_ACT_ALLOW' })), 'seccomp profile /p/x.json: syscalls[1].names[0]: "Read!" is not a system call name');
  assert.match(errorOf(withRule({ names: ['read'], action: 'SCMP_ACT_ALLOW', errnoret: 1 })), /syscalls\[1\]: unknown field "errnoret" \(known: names, action, errnoRet, errno/);
  assert.is(errorOf(withRule({ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: '1', op: 'SCMP_CMP_EQ' }] })),
    'seccomp profile /p/x.json: syscalls[1].args[0].value: "1" is not an integer from 0 to 9007199254740991');
  assert.is(errorOf(withRule({ names: ['read'], action: 'SCMP_ACT_ALLOW', errnoRet: 1 })),
    'seccomp profile /p/x.json: syscalls[1].errnoRet: only applies to SCMP_ACT_ERRNO and SCMP_ACT_TRACE, not SCMP_ACT_ALLOW');
  assert.is(errorOf(withRule({ names: ['read'], action: 'SCMP_ACT_ERRNO', errnoRet: 5000 })),
    'seccomp profile /p/x.json: syscalls[1].errnoRet: 5000 is not an integer from 0 to 4095');
  assert.is(errorOf(withRule({ names: ['mount'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMINN'] } })),
    'seccomp profile /p/x.json: syscalls[1].includes.caps[0]: unknown capability "CAP_SYS_ADMINN"');
  assert.is(errorOf(withRule({ names: ['bpf'], action: 'SCMP_ACT_ALLOW', excludes: { minKernel: 5.8 } })),
    'seccomp profile /p/x.json: syscalls[1].excludes.minKernel: 5.8 is not a kernel version like "5.8"');
});

test('a good profile parses into its parts, with Docker\'s defaults filled in', () => {
  const p = parseProfile(JSON.stringify({
    defaultAction: 'SCMP_ACT_ERRNO',
    archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86'] }],
    syscalls: [
      { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0x7e020000, op: 'SCMP_CMP_MASKED_EQ' }], excludes: { caps: ['CAP_SYS_ADMIN'] } },
      { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38, includes: { arches: ['amd64'], minKernel: '5.3' } },
    ],
  }), 'x.json');
  assert.equal(p.defaultAction, { name: 'SCMP_ACT_ERRNO', data: 1 });
  assert.equal(p.archMap, [{ architecture: 'x86_64', subArchitectures: ['x86'] }]);
  assert.equal(p.syscalls[0]!.args, [{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }]);
  assert.equal(p.syscalls[0]!.excludes.caps, ['SYS_ADMIN']);
  assert.equal(p.syscalls[1]!.action, { name: 'SCMP_ACT_ERRNO', data: 38 });
  assert.equal(p.syscalls[1]!.includes, { caps: [], arches: ['x86_64'], minKernel: [5, 3] });
});

test('nook.capDrop: the capability policy a profile carries, checked like the rest', () => {
  const text = JSON.stringify({ ...base, nook: { capDrop: ['ALL', 'CAP_NET_RAW'] } });
  assert.equal(parseProfile(text, '/p/x.json').capDrop, ['ALL', 'NET_RAW']);
  assert.equal(profileCapDrop(text, '/p/x.json'), ['ALL', 'NET_RAW']);
  assert.equal(profileCapDrop(JSON.stringify(base), '/p/x.json'), []);
  assert.is(errorOf({ ...base, nook: { capDrop: ['NET_RAWW'] } }), 'seccomp profile /p/x.json: nook.capDrop[0]: unknown capability "NET_RAWW"');
  assert.match(errorOf({ ...base, nook: { capAdd: ['ALL'] } }), /: nook: unknown field "capAdd" \(known: capDrop\)/);
  assert.equal(parseProfile(readFileSync(new URL('../../profiles/strict.json', import.meta.url), 'utf8'), 'strict.json').capDrop, ['ALL']);
});

test.run();
