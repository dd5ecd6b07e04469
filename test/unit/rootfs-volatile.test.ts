// When a volatile overlay (a --rm container's root) is mounted again: what must be emptied first.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { volatileDirsToReset } from '../../src/rootfs/volatile.js';

const dirs = { upper: '/c/upper', work: '/c/work' };
const BOOT = Date.parse('2026-12-04T00:00:00Z');

test('first mount: nothing to empty', () => {
  assert.equal(volatileDirsToReset(dirs, { workUsed: false, lastStartMs: Number.NaN, bootMs: BOOT }), []);
});

test('mounted before in this boot: only the work dir, the kernel marks it and refuses it otherwise', () => {
  assert.equal(volatileDirsToReset(dirs, { workUsed: true, lastStartMs: BOOT + 5_000, bootMs: BOOT }), ['/c/work']);
});

test('mounted in an earlier boot or at an unknown time: the upper may be torn, both go', () => {
  assert.equal(volatileDirsToReset(dirs, { workUsed: true, lastStartMs: BOOT - 5_000, bootMs: BOOT }), ['/c/upper', '/c/work']);
  assert.equal(volatileDirsToReset(dirs, { workUsed: true, lastStartMs: Number.NaN, bootMs: BOOT }), ['/c/upper', '/c/work']);
});

test.run();
