import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

test.run();
