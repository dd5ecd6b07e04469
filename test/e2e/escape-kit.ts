// What the escape suites share: a host directory that no container and no copy may touch,
// and busybox roots whose names lead out to it.
import * as assert from 'uvu/assert';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Result } from './harness.js';

export interface Victim {
  /** this suite's scratch directory (remove it in test.after) */
  work: string;
  /** open to everyone, holding one file: its listing and its file must never change */
  outside: string;
  assertUntouched(what: string): void;
}

export function victim(prefix: string): Victim {
  const work = mkdtempSync(join(tmpdir(), prefix));
  const outside = join(work, 'outside');
  mkdirSync(outside);
  chmodSync(outside, 0o777);
  writeFileSync(join(outside, 'victim'), 'untouched\n');
  return {
    work,
    outside,
    assertUntouched(what) {
      assert.equal(readdirSync(outside), ['victim'], `${what}: something was created outside`);
      assert.is(readFileSync(join(outside, 'victim'), 'utf8'), 'untouched\n', `${what}: the victim was written`);
      assert.is(statSync(join(outside, 'victim')).nlink, 1, `${what}: the victim was hard-linked`);
    },
  };
}

/**
 * A busybox root (with `tools` and empty `dirs`) whose names lead out to the victim: an
 * absolute link as the launcher's staging root sees the host (/oldroot), a relative one
 * climbing past /, and a magic link.
 */
export function escapingRoot(v: Victim, tools: readonly string[], dirs: readonly string[]): string {
  const root = mkdtempSync(join(v.work, 'root-'));
  mkdirSync(join(root, 'bin'));
  copyFileSync('/bin/busybox', join(root, 'bin', 'busybox'));
  chmodSync(join(root, 'bin', 'busybox'), 0o755);
  for (const tool of tools) symlinkSync('busybox', join(root, 'bin', tool));
  for (const dir of dirs) mkdirSync(join(root, dir));
  symlinkSync(`/oldroot${v.outside}`, join(root, 'abs'));
  symlinkSync(`../../../../../../../..${v.outside}`, join(root, 'rel'));
  symlinkSync(`/proc/self/root/oldroot${v.outside}`, join(root, 'magic'));
  return root;
}

/** Exit 0, or nook's own one-line refusal: never a crash. */
export function ranOrRefused(r: Result, what: string): void {
  assert.ok(r.code === 0 || (r.code === 125 && r.stderr.trim().split('\n').length === 1), `${what}: exit ${r.code}\n${r.stderr}`);
}
