// The launcher's own hand-shake, driven with a directive list written here (as the CLI would)
// where a run through the CLI cannot reach: the container's first process gone before its
// release; directives no other suite looks at the effect of (mqueue, rlimit); and the moment a
// detached start is reported.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { nook, nookBin, start } from './harness.js';
import { PROTOCOL_VERSION, encodeDirectives, type Directive } from '../../src/core/directives.js';

const test = suite('launcher');

/** Runs the built launcher on `directives` (fd 3, as the CLI hands them over). */
async function launch(dir: string, directives: Directive[]) {
  const file = join(dir, 'plan');
  writeFileSync(file, encodeDirectives(directives));
  const fd = openSync(file, 'r');
  try {
    return await start(join(dirname(nookBin()), 'nook-run'), ['--args', '3'], { extraFds: [fd] }).result;
  } finally {
    closeSync(fd);
  }
}

test('a first process that ends before its release: one line naming the hand-shake step, exit 125', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nook-sync-'));
  try {
    // the id-map helpers run between the clone and the release: the first one ends the child
    // (and waits until it is gone), the second does nothing
    const killer = join(dir, 'kill-child');
    writeFileSync(killer, '#!/bin/sh\nkill -KILL "$1"\nwhile ! grep -q "^[0-9]* (.*) Z" "/proc/$1/stat" 2>/dev/null && [ -e "/proc/$1" ]; do :; done\n');
    const nothing = join(dir, 'nothing');
    writeFileSync(nothing, '#!/bin/sh\nexit 0\n');
    chmodSync(killer, 0o755);
    chmodSync(nothing, 0o755);
    const { uid, gid } = userInfo();
    const r = await launch(dir, [
      ['version', PROTOCOL_VERSION],
      ['uid-map-helper', killer], ['gid-map-helper', nothing],
      ['uid-map', '0', String(uid), '1'], ['gid-map', '0', String(gid), '1'],
      ['rootfs-bind', '/'],
      ['exec', 'true'],
    ]);
    assert.is(r.code, 125, r.stderr);
    assert.is(r.stderr, 'nook: cannot send release to the container\'s first process: it has already ended\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the new root gets its own proc, devpts and mqueue (the proc, dev and mqueue directives)', async () => {
  const busybox = process.env['NOOK_TEST_BUSYBOX'];
  assert.ok(busybox, 'NOOK_TEST_BUSYBOX is not set: run the suites through test/run.mjs');
  const r = await nook(['run', '--rm', '--network', 'none', busybox, 'sh', '-c', 'grep -E " /(proc|dev/pts|dev/mqueue) " /proc/mounts | cut -d" " -f2,3']);
  assert.is(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').sort(), ['/dev/mqueue mqueue', '/dev/pts devpts', '/proc proc']);
});

test('--ulimit reaches the container as its resource limits (the rlimit directive)', async () => {
  const busybox = process.env['NOOK_TEST_BUSYBOX']!;
  const r = await nook(['run', '--rm', '--network', 'none', '--ulimit', 'nofile=512:1024', busybox, 'grep', 'Max open files', '/proc/self/limits']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Max open files\s+512\s+1024\s+files/);
});

test('run -d, then stop at once: the container is recorded running before run -d returns, so stop ends it and rm finds it gone', async () => {
  for (let i = 0; i < 5; i++) {
    const run = await nook(['run', '-d', '--network', 'none', 'host', 'sleep', '60']);
    assert.is(run.code, 0, run.stderr);
    const id = run.stdout.trim();
    const stop = await nook(['stop', '-t', '0', id]);
    const rm = await nook(['rm', id]);
    if (rm.code !== 0) await nook(['rm', '-f', id]);
    assert.is(stop.code, 0, stop.stderr);
    assert.is(rm.code, 0, `#${i}: ${rm.stderr}`);
  }
});

test.run();
