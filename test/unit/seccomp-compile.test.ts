import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NookError } from '../../src/errors.js';
import { DEFAULT_CAPABILITIES } from '../../src/security/capabilities.js';
import { compileProfile } from '../../src/security/seccomp/compile.js';
import { resolveProfile } from '../../src/security/seccomp/locate.js';

const scratch = mkdtempSync(join(tmpdir(), 'nook-seccomp-test-'));
const cacheDir = join(scratch, 'cache', 'nook', 'seccomp');

test.before(() => {
  process.env['XDG_CACHE_HOME'] = join(scratch, 'cache');
});

test.after(() => rmSync(scratch, { recursive: true, force: true }));

test('default and strict compile to programs; unconfined to none', async () => {
  for (const name of ['default', 'strict']) {
    const c = await compileProfile({ profile: resolveProfile(name), capabilities: DEFAULT_CAPABILITIES });
    assert.ok(c.bpf && c.bpf.length > 0 && c.bpf.length % 8 === 0, name);
    assert.ok(c.path!.startsWith(cacheDir), name);
    assert.equal(c.notes, []);
    // The first instruction loads seccomp_data.arch (BPF_LD|BPF_W|BPF_ABS, k = 4).
    assert.is(c.bpf!.readUInt16LE(0), 0x20);
    assert.is(c.bpf!.readUInt32LE(4), 4);
  }
  const u = await compileProfile({ profile: resolveProfile('unconfined'), capabilities: DEFAULT_CAPABILITIES });
  assert.equal([u.bpf, u.path], [null, null]);
});

test('programs are cached by capability set; a hit returns the same bytes', async () => {
  const a = await compileProfile({ profile: resolveProfile('default'), capabilities: DEFAULT_CAPABILITIES });
  const b = await compileProfile({ profile: resolveProfile('default'), capabilities: [...DEFAULT_CAPABILITIES].reverse() });
  assert.is(a.path, b.path);
  assert.ok(a.bpf!.equals(b.bpf!));
  const admin = await compileProfile({ profile: resolveProfile('default'), capabilities: [...DEFAULT_CAPABILITIES, 'SYS_ADMIN'] });
  assert.is.not(admin.path, a.path);
  assert.is.not(admin.bpf!.length, a.bpf!.length);
  assert.not.ok(readdirSync(cacheDir).some((f) => f.endsWith('.tmp')));
});

test('a profile file: unknown names are skipped with one note; errors name the file', async () => {
  const file = join(scratch, 'mine.json');
  writeFileSync(file, JSON.stringify({
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [{ names: ['read', 'no_such_call', 'exit_group', 'another_fake'], action: 'SCMP_ACT_ALLOW' }],
  }));
  const c = await compileProfile({ profile: resolveProfile(file), capabilities: [] });
  assert.ok(c.bpf);
  assert.equal(c.notes.length, 1);
  assert.match(c.notes[0]!, /^libseccomp \d+\.\d+\.\d+ does not know 2 system call name\(s\) of .*mine\.json, skipped: no_such_call, another_fake$/);

  writeFileSync(file, '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 9, "value": 0, "op": "SCMP_CMP_EQ"}]}]}');
  try {
    await compileProfile({ profile: resolveProfile(file), capabilities: [] });
    assert.unreachable('an index of 9 must be refused');
  } catch (err) {
    assert.instance(err, NookError);
    assert.is((err as NookError).message, `seccomp profile ${file}: syscalls[0].args[0].index: 9 is out of range (system calls have arguments 0 to 5)`);
  }
});

test('unknown names and missing files are one-line errors', async () => {
  for (const [ref, message] of [['nosuch', 'unknown seccomp profile "nosuch"'], ['./missing.json', 'seccomp profile not found: ./missing.json']]) {
    try {
      resolveProfile(ref!);
      assert.unreachable(ref);
    } catch (err) {
      assert.instance(err, NookError);
      assert.is((err as NookError).message, message);
    }
  }
});

test("Docker's and podman's own default profiles compile (Docker's names loongarch64 in its archMap)", async () => {
  for (const file of ['docker-default.json', 'podman-default.json']) {
    const path = fileURLToPath(new URL(`../../profiles/reference/${file}`, import.meta.url));
    const c = await compileProfile({ profile: resolveProfile(path), capabilities: DEFAULT_CAPABILITIES });
    assert.ok(c.bpf && c.bpf.length % 8 === 0, file);
  }
});

// A classic-BPF interpreter over struct seccomp_data (nr, arch, ip, args[6]), enough for what
// libseccomp emits: the compiled program itself is checked, not the plan it came from.
function evaluate(bpf: Buffer, arch: number, nr: number, args: number[] = []): number {
  const data = Buffer.alloc(64);
  data.writeInt32LE(nr, 0);
  data.writeUInt32LE(arch, 4);
  args.forEach((a, i) => data.writeBigUInt64LE(BigInt(a), 16 + 8 * i));
  const mem = new Array<number>(16).fill(0);
  let A = 0;
  let X = 0;
  for (let pc = 0; pc * 8 < bpf.length; pc++) {
    const code = bpf.readUInt16LE(pc * 8);
    const jt = bpf[pc * 8 + 2]!;
    const jf = bpf[pc * 8 + 3]!;
    const k = bpf.readUInt32LE(pc * 8 + 4);
    const src = code & 0x08 ? X : k;
    switch (code & 0x07) {
      case 0x00: A = (code & 0xe0) === 0x20 ? data.readUInt32LE(k) : (code & 0xe0) === 0x60 ? mem[k]! : k; break;
      case 0x01: X = (code & 0xe0) === 0x60 ? mem[k]! : k; break;
      case 0x02: mem[k] = A; break;
      case 0x03: mem[k] = X; break;
      case 0x04: {
        const ops: Record<number, (a: number, b: number) => number> = { 0x00: (a, b) => a + b, 0x10: (a, b) => a - b, 0x50: (a, b) => a & b, 0x40: (a, b) => a | b, 0x60: (a, b) => a << b, 0x70: (a, b) => a >>> b };
        const op = ops[code & 0xf0];
        if (!op) throw new Error(`ALU op 0x${code.toString(16)}`);
        A = op(A, src) >>> 0;
        break;
      }
      case 0x05: {
        const op = code & 0xf0;
        if (op === 0x00) { pc += k; break; }
        const taken = op === 0x10 ? A === src : op === 0x20 ? A > src : op === 0x30 ? A >= src : op === 0x40 ? (A & src) !== 0 : undefined;
        if (taken === undefined) throw new Error(`JMP op 0x${code.toString(16)}`);
        pc += taken ? jt : jf;
        break;
      }
      case 0x06: return (code & 0x18) === 0x10 ? A : k;
      case 0x07: if (code === 0x07) X = A; else A = X; break;
    }
  }
  throw new Error('the program ran off its end');
}

const AUDIT_ARCH_I386 = 0x40000003;
const AUDIT_ARCH_X86_64 = 0xc000003e;
const ALLOW = 0x7fff0000;
const errno = (e: number) => 0x00050000 | e;
const [AF_INET, AF_ALG, SYS_SOCKET] = [2, 38, 1];

test('i386: socketcall is refused with ENOSYS where socket families are filtered; strict kills any i386 call', async () => {
  const def = (await compileProfile({ profile: resolveProfile('default'), capabilities: DEFAULT_CAPABILITIES })).bpf!;
  assert.is(evaluate(def, AUDIT_ARCH_I386, 102, [SYS_SOCKET, 0x1000]), errno(38), 'socketcall(SYS_SOCKET)');
  assert.is(evaluate(def, AUDIT_ARCH_I386, 359, [AF_ALG, 5, 0]), errno(1), 'i386 socket(AF_ALG)');
  assert.is(evaluate(def, AUDIT_ARCH_I386, 359, [AF_INET, 1, 0]), ALLOW, 'i386 socket(AF_INET)');
  assert.is(evaluate(def, AUDIT_ARCH_X86_64, 41, [AF_ALG, 5, 0]), errno(1), 'socket(AF_ALG)');
  assert.is(evaluate(def, AUDIT_ARCH_X86_64, 41, [AF_INET, 1, 0]), ALLOW, 'socket(AF_INET)');
  const strict = (await compileProfile({ profile: resolveProfile('strict'), capabilities: [] })).bpf!;
  assert.is(evaluate(strict, AUDIT_ARCH_I386, 359, [AF_INET, 1, 0]) >>> 0, 0x80000000, 'strict: no i386 entry (kill)');
  assert.is(evaluate(strict, AUDIT_ARCH_X86_64, 41, [AF_INET, 1, 0]), errno(1), 'strict: socket(AF_INET)');

  // a Docker-style profile of one's own: socketcall allowed beside a family filter
  const file = join(scratch, 'docker-like.json');
  writeFileSync(file, JSON.stringify({
    defaultAction: 'SCMP_ACT_ERRNO',
    archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86'] }],
    syscalls: [
      { names: ['socketcall', 'exit_group'], action: 'SCMP_ACT_ALLOW' },
      { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: AF_ALG, op: 'SCMP_CMP_LT' }] },
    ],
  }));
  const mine = (await compileProfile({ profile: resolveProfile(file), capabilities: [] })).bpf!;
  assert.is(evaluate(mine, AUDIT_ARCH_I386, 102, [SYS_SOCKET, 0x1000]), errno(38));
  assert.is(evaluate(mine, AUDIT_ARCH_I386, 252, [0]), ALLOW, 'i386 exit_group');
});

test.run();
