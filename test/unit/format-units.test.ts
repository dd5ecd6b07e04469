// Docker's human units (go-units), checked at their boundaries.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesSize, humanDuration, humanSize, humanSizeWithPrecision, timeAgo } from '../../src/util/units.js';

test('humanDuration follows go-units at each boundary', () => {
  const s = 1000;
  const cases: Array<[number, string]> = [
    [0, 'Less than a second'], [999, 'Less than a second'], [1 * s, '1 second'], [59 * s, '59 seconds'],
    [60 * s, 'About a minute'], [119 * s, 'About a minute'], [120 * s, '2 minutes'], [59 * 60 * s, '59 minutes'],
    [60 * 60 * s, 'About an hour'], [89 * 60 * s, 'About an hour'], [90 * 60 * s, '2 hours'], [47 * 3600 * s, '47 hours'],
    [48 * 3600 * s, '2 days'], [14 * 24 * 3600 * s, '2 weeks'], [60 * 24 * 3600 * s, '2 months'], [2 * 365 * 24 * 3600 * s, '2 years'],
  ];
  for (const [ms, text] of cases) assert.is(humanDuration(ms), text, `${ms} ms`);
});

test('humanSize is decimal with 4 significant digits, bytesSize binary', () => {
  assert.is(humanSize(0), '0B');
  assert.is(humanSize(999), '999B');
  assert.is(humanSize(1500), '1.5kB');
  assert.is(humanSize(68_300_000), '68.3MB');
  assert.is(humanSize(1_234_567_890), '1.235GB');
  assert.is(bytesSize(200 * 1024), '200KiB');
  assert.is(bytesSize(1536 * 1024 * 1024), '1.5GiB');
});

test('humanSizeWithPrecision (docker images) and timeAgo (CreatedSince)', () => {
  assert.is(humanSizeWithPrecision(1_500_000, 3), '1.5MB');
  assert.is(humanSizeWithPrecision(1_234_567_890, 3), '1.23GB');
  assert.is(humanSizeWithPrecision(68_345_000, 3), '68.3MB');
  const now = Date.parse('2026-01-01T12:00:00Z');
  assert.is(timeAgo('2026-01-01T11:57:00Z', now), '3 minutes ago');
  assert.is(timeAgo('2026-01-01T10:30:00Z', now), '2 hours ago');
  assert.is(timeAgo(undefined, now), 'N/A');
  assert.is(timeAgo('garbage', now), 'N/A');
});

test.run();
