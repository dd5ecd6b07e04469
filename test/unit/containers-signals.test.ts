// Signal names as Docker accepts them, and the pid-reuse-safe identity check with a real
// process tree: a stand-in "supervisor" named nook-run with one child.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSignal, signalPinned } from '../../src/containers/signals.js';
import { isRecordedProcess, isSupervisor, procStat } from '../../src/containers/procfs.js';
import { NookError } from '../../src/errors.js';

test('signal names, SIG prefixes, numbers, real-time signals; bad names fail', () => {
  assert.is(parseSignal('KILL'), 9);
  assert.is(parseSignal('sigterm'), 15);
  assert.is(parseSignal('SIGHUP'), 1);
  assert.is(parseSignal('9'), 9);
  assert.is(parseSignal('RTMIN+2'), 36);
  for (const bad of ['FOO', '0', '65', 'SIG', '']) {
    assert.throws(() => parseSignal(bad), (e: unknown) => e instanceof NookError && (e as Error).message === `Invalid signal: ${bad}`, bad);
  }
});

test('a recorded process is believed only under its live supervisor, and only if it is not younger than the record', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nook-sup-'));
  const fake = join(dir, 'nook-run');
  copyFileSync('/bin/sh', fake);
  const { chmodSync } = await import('node:fs');
  chmodSync(fake, 0o755);
  const sup = spawn(fake, ['-c', 'sleep 30 & wait'], { stdio: 'ignore' });
  try {
    let child: number | undefined;
    for (let i = 0; i < 100 && child === undefined; i++) {
      await new Promise((r) => setTimeout(r, 20));
      const { readdirSync } = await import('node:fs');
      child = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number).find((p) => procStat(p)?.ppid === sup.pid);
    }
    assert.ok(child, 'the stand-in supervisor has a child');
    const now = new Date(Date.now() + 100).toISOString();
    assert.ok(isSupervisor(sup.pid!, now));
    assert.ok(isRecordedProcess(child!, sup.pid!, now));
    // a record older than the processes (the pids were reused since): not ours
    const old = new Date(Date.now() - 3600_000).toISOString();
    assert.not.ok(isRecordedProcess(child!, sup.pid!, old));
    // not the child of that supervisor; not a nook-run supervisor at all
    assert.not.ok(isRecordedProcess(child!, process.pid, now));
    assert.not.ok(isSupervisor(process.pid, now));
    // a record from before this boot is never alive
    assert.not.ok(isRecordedProcess(child!, sup.pid!, '2000-01-01T00:00:00Z'));
    // signalling checks identity under the pidfd: refused, then delivered
    assert.not.ok(signalPinned(child!, 15, () => false));
    assert.ok(signalPinned(child!, 15, () => isRecordedProcess(child!, sup.pid!, now)));
    await new Promise((r) => sup.once('exit', r));
  } finally {
    sup.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('signalling a pid that does not exist reports false', () => {
  assert.not.ok(signalPinned(4_000_000, 15, () => true));
});

test.run();
