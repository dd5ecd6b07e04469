// The json-file log reader: time arguments, selection, rotation order, torn lines.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logFiles, parseLogLine, parseTimeArg, readLogSnapshot, selectEntries, followLog, type LogEntry } from '../../src/containers/logs.js';
import { NookError } from '../../src/errors.js';

const line = (log: string, time: string, stream = 'stdout') => JSON.stringify({ log, stream, time }) + '\n';

test('time arguments: RFC 3339, Unix seconds, durations before now', () => {
  const now = Date.parse('2024-01-01T12:00:00Z');
  assert.is(parseTimeArg('2024-01-01T11:00:00Z', '--since', now), Date.parse('2024-01-01T11:00:00Z'));
  assert.is(parseTimeArg('1704106800', '--since', now), 1704106800_000);
  assert.is(parseTimeArg('1704106800.5', '--since', now), 1704106800_500);
  assert.is(parseTimeArg('10m', '--since', now), now - 600_000);
  assert.is(parseTimeArg('1h30m', '--since', now), now - 5_400_000);
  assert.is(parseTimeArg('2.5s', '--since', now), now - 2500);
  assert.throws(() => parseTimeArg('yesterday', '--since', now), (e: unknown) => e instanceof NookError && /invalid value for "--since"/.test((e as Error).message));
});

test('selection by since, until and tail', () => {
  const e = (t: string): LogEntry => ({ stream: 'stdout', time: t, log: t + '\n' });
  const all = [e('2024-01-01T00:00:01Z'), e('2024-01-01T00:00:02Z'), e('2024-01-01T00:00:03Z')];
  assert.is(selectEntries(all, { tail: 2 }).length, 2);
  assert.is(selectEntries(all, { tail: 0 }).length, 0);
  assert.equal(selectEntries(all, { sinceMs: Date.parse('2024-01-01T00:00:02Z') }).map((x) => x.time), ['2024-01-01T00:00:02Z', '2024-01-01T00:00:03Z']);
  assert.equal(selectEntries(all, { untilMs: Date.parse('2024-01-01T00:00:01Z') }).map((x) => x.time), ['2024-01-01T00:00:01Z']);
});

test('rotated files are read oldest first; a torn last line waits', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nook-logs-'));
  try {
    const log = join(dir, 'container.log');
    writeFileSync(`${log}.2`, line('one\n', 't1'));
    writeFileSync(`${log}.1`, line('two\n', 't2') + 'not json\n');
    writeFileSync(log, line('three\n', 't3', 'stderr') + '{"log":"par');
    assert.equal(logFiles(log), [`${log}.2`, `${log}.1`, log]);
    const snap = readLogSnapshot(log);
    assert.equal(snap.entries.map((x) => [x.log, x.stream]), [['one\n', 'stdout'], ['two\n', 'stdout'], ['three\n', 'stderr']]);
    assert.is(snap.offset, Buffer.byteLength(line('three\n', 't3', 'stderr')));
    assert.is(parseLogLine('{"log":1}'), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('follow: new lines, then the rest of a rotated file and the new one, then the end', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nook-follow-'));
  try {
    const log = join(dir, 'container.log');
    writeFileSync(log, line('a\n', 't'));
    const snap = readLogSnapshot(log);
    const seen: string[] = [];
    let ended = false;
    const done = followLog(log, snap, (e) => (seen.push(e.log), true), () => ended);
    appendFileSync(log, line('b\n', 't'));
    await new Promise((r) => setTimeout(r, 150));
    // rotation: the old file gets one more line, then moves away; a new file starts
    appendFileSync(log, line('c\n', 't'));
    const { renameSync } = await import('node:fs');
    renameSync(log, `${log}.1`);
    writeFileSync(log, line('d\n', 't'));
    await new Promise((r) => setTimeout(r, 300));
    ended = true;
    await done;
    assert.equal(seen, ['b\n', 'c\n', 'd\n']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
