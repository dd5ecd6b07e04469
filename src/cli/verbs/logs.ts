// `nook logs`: the json-file log, stdout lines to stdout and stderr lines to stderr.
import { writeSync } from 'node:fs';
import { containerFiles } from '../../containers/layout.js';
import { followLog, parseTimeArg, readLogSnapshot, selectEntries, type LogEntry } from '../../containers/logs.js';
import { loadContainer, resolveContainer } from '../../containers/state.js';
import { NookError } from '../../errors.js';
import type { LogsFlags } from '../flags/logs.js';

function writeAll(fd: number, text: string): boolean {
  const buf = Buffer.from(text);
  let off = 0;
  try {
    while (off < buf.length) off += writeSync(fd, buf, off);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return writeAll(fd, buf.subarray(off).toString());
    return false; // the reader went away (EPIPE): stop quietly
  }
  return true;
}

export async function logs(ref: string, flags: LogsFlags): Promise<number> {
  const c = resolveContainer(ref);
  let tail: number | undefined;
  if (flags.tail !== 'all') {
    if (!/^-?\d+$/.test(flags.tail)) throw new NookError(`invalid value for "--tail": "${flags.tail}"`, { hint: 'a number of lines, or all' });
    tail = Number(flags.tail) < 0 ? undefined : Number(flags.tail);
  }
  const now = Date.now();
  const sinceMs = flags.since !== undefined ? parseTimeArg(flags.since, '--since', now) : undefined;
  const untilMs = flags.until !== undefined ? parseTimeArg(flags.until, '--until', now) : undefined;
  const emit = (e: LogEntry): boolean => {
    const t = Date.parse(e.time);
    if (sinceMs !== undefined && t < sinceMs) return true;
    if (untilMs !== undefined && t > untilMs) return true;
    return writeAll(e.stream === 'stderr' ? 2 : 1, flags.timestamps ? `${e.time} ${e.log}` : e.log);
  };
  const log = containerFiles(c.id).log;
  const snap = readLogSnapshot(log);
  for (const e of selectEntries(snap.entries, { sinceMs, untilMs, tail })) if (!emit(e)) return 0;
  // Docker: --until ends the stream at that time, so only a future --until keeps following
  if (flags.follow && (untilMs === undefined || untilMs > Date.now())) {
    const ended = () => !loadContainer(c.id)?.state.running || (untilMs !== undefined && Date.now() > untilMs);
    await followLog(log, snap, emit, ended);
  }
  return 0;
}
