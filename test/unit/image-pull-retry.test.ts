// When a registry request is tried again and how a blob resumes: retry.ts, pure.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isFinalStatus, rangeHeader, resumeSkip, retryAfterMs, retryDelayMs, TRIES, type Failure } from '../../src/image/registry/retry.js';

const status = (s: number, retryAfter: string | null = null): Failure => ({ kind: 'status', status: s, retryAfter });

test('transient failures are retried with growing back-off, up to TRIES tries in all', () => {
  for (const kind of ['unreachable', 'no-answer', 'broken', 'idle', 'short'] as const) {
    const delays = Array.from({ length: TRIES }, (_, i) => retryDelayMs({ kind }, i + 1));
    assert.equal(delays, [250, 1000, 3000, undefined], kind);
  }
  for (const s of [408, 500, 502, 503, 504]) assert.is(retryDelayMs(status(s), 1), 250, `HTTP ${s}`);
  assert.is(retryDelayMs(status(503), TRIES), undefined, 'the last try is the last');
});

test('a 4xx is the registry\'s final word, except 408 and 429', () => {
  for (const s of [400, 401, 403, 404, 405, 410, 416]) assert.is(retryDelayMs(status(s), 1), undefined, `HTTP ${s}`);
  assert.is(retryDelayMs(status(429), 1), 250, '429 without Retry-After: back-off');
  assert.equal([400, 404, 408, 429, 500, 503].map(isFinalStatus), [true, true, false, false, false, false]);
});

test('429 honours Retry-After within reason, in seconds or as a date', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.is(retryDelayMs(status(429, '2'), 1, now), 2000);
  assert.is(retryDelayMs(status(429, 'Thu, 01 Jan 2026 00:00:05 GMT'), 1, now), 5000);
  assert.is(retryDelayMs(status(429, '86400'), 1, now), 30_000, 'a day is capped at 30 s');
  assert.is(retryDelayMs(status(429, 'soon'), 2, now), 1000, 'an unreadable value: back-off');
  assert.is(retryAfterMs('0', now), undefined);
  assert.is(retryAfterMs('Wed, 31 Dec 2025 23:59:00 GMT', now), undefined, 'a date in the past');
  assert.is(retryAfterMs(null, now), undefined);
});

test('a try with bytes in hand asks for the rest', () => {
  assert.equal(rangeHeader(0), {});
  assert.equal(rangeHeader(1234), { Range: 'bytes=1234-' });
});

test('resume: a 206 from the offset continues, a 200 starts over and skips what was passed on', () => {
  assert.is(resumeSkip(0, 200, null), 0, 'the first try');
  assert.is(resumeSkip(1000, 206, 'bytes 1000-4999/5000'), 0);
  assert.is(resumeSkip(1000, 206, 'bytes 1000-4999/*'), 0, 'unknown total');
  assert.is(resumeSkip(1000, 200, null), 1000, 'Range ignored: the whole blob again');
});

test('resume: a 206 for another range, or one not asked for, is unusable', () => {
  assert.is(resumeSkip(1000, 206, 'bytes 0-4999/5000'), undefined);
  assert.is(resumeSkip(1000, 206, 'bytes 2000-4999/5000'), undefined);
  assert.is(resumeSkip(1000, 206, null), undefined, 'no Content-Range');
  assert.is(resumeSkip(1000, 206, 'items 1000-4999/5000'), undefined);
  assert.is(resumeSkip(0, 206, 'bytes 0-4999/5000'), undefined, 'not asked for');
  assert.is(resumeSkip(1000, 204, null), undefined);
});

test.run();
