// Reading a container's json-file log (container.log and its rotated siblings .1, .2 ...,
// oldest last) the way `docker logs` does: --since/--until/--tail, and --follow across
// rotation until the container ends.
import { closeSync, existsSync, fstatSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { NookError } from '../errors.js';

export interface LogEntry { stream: 'stdout' | 'stderr'; time: string; log: string }

/** Parses one json-file line; a torn or foreign line is skipped. */
export function parseLogLine(line: string): LogEntry | undefined {
  try {
    const v = JSON.parse(line) as Partial<LogEntry>;
    if (typeof v.log !== 'string' || typeof v.time !== 'string') return undefined;
    return { stream: v.stream === 'stderr' ? 'stderr' : 'stdout', time: v.time, log: v.log };
  } catch {
    return undefined;
  }
}

/**
 * Docker's --since/--until: an RFC 3339 date or date-time, a Unix timestamp (with optional
 * fraction), or a duration before now (10m, 1h30m, 2.5s). Returns ms since the epoch.
 */
export function parseTimeArg(text: string, flag: string, now = Date.now()): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  const dur = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+)ms)?$/.exec(t);
  if (dur && t !== '') {
    const [, h = '0', m = '0', s = '0', ms = '0'] = dur;
    return now - (Number(h) * 3600_000 + Number(m) * 60_000 + Number(s) * 1000 + Number(ms));
  }
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(t)) {
    const ms = Date.parse(t.includes('T') || t.includes(' ') ? t.replace(' ', 'T') : `${t}T00:00:00`);
    if (Number.isFinite(ms)) return ms;
  }
  throw new NookError(`invalid value for "${flag}": "${text}"`, { hint: 'give an RFC 3339 time, a Unix timestamp or a duration like 10m' });
}

/** Log files oldest first: container.log.N ... container.log.1, container.log. */
export function logFiles(log: string): string[] {
  const dir = dirname(log);
  const base = basename(log);
  let rotated: number[] = [];
  try {
    rotated = readdirSync(dir).map((f) => (f.startsWith(base + '.') ? Number(f.slice(base.length + 1)) : NaN)).filter((n) => Number.isInteger(n) && n > 0);
  } catch {
    return [];
  }
  return [...rotated.sort((a, b) => b - a).map((n) => `${log}.${n}`), ...(existsSync(log) ? [log] : [])];
}

function readWhole(path: string): { text: string; ino: number; size: number } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return { text: '', ino: 0, size: 0 };
  }
  try {
    const st = fstatSync(fd);
    const size = st.size;
    const buf = Buffer.alloc(size);
    let off = 0;
    while (off < size) {
      const n = readSync(fd, buf, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    // only complete lines: a line being written is read by --follow
    const text = buf.subarray(0, off).toString('utf8');
    const end = text.lastIndexOf('\n') + 1;
    return { text: text.slice(0, end), ino: st.ino, size: Buffer.byteLength(text.slice(0, end)) };
  } finally {
    closeSync(fd);
  }
}

export interface LogQuery { sinceMs?: number; untilMs?: number; tail?: number }

export function selectEntries(entries: LogEntry[], q: LogQuery): LogEntry[] {
  let out = entries.filter((e) => {
    const t = Date.parse(e.time);
    return (q.sinceMs === undefined || t >= q.sinceMs) && (q.untilMs === undefined || t <= q.untilMs);
  });
  if (q.tail !== undefined) out = q.tail <= 0 ? [] : out.slice(-q.tail);
  return out;
}

const parseText = (text: string): LogEntry[] => text.split('\n').map(parseLogLine).filter((e): e is LogEntry => e !== undefined);

/** Every entry so far, and where --follow continues: the current file's inode and offset. */
export function readLogSnapshot(log: string): { entries: LogEntry[]; ino: number; offset: number } {
  const files = logFiles(log);
  const current = files.at(-1) === log ? readWhole(log) : { text: '', ino: 0, size: 0 };
  const older = files.filter((f) => f !== log).flatMap((f) => parseText(readWhole(f).text));
  return { entries: [...older, ...parseText(current.text)], ino: current.ino, offset: current.size };
}

/**
 * Follows container.log from `offset` (its size when the first read was done): new complete
 * lines go to `emit`; when the file is rotated (a new inode), the rest of the old one is read
 * first. Ends once `ended()` holds and nothing more arrived.
 */
export async function followLog(log: string, start: { ino: number; offset: number }, emit: (e: LogEntry) => boolean, ended: () => boolean): Promise<void> {
  let fd = -1;
  let ino = start.ino;
  let offset = start.offset;
  let partial = '';
  const open = () => {
    try {
      fd = openSync(log, 'r');
      const st = fstatSync(fd);
      if (st.ino !== ino) {
        ino = st.ino;
        offset = 0;
      }
    } catch {
      fd = -1;
    }
  };
  const drain = (): boolean => {
    if (fd < 0) return true;
    const buf = Buffer.alloc(65536);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, offset);
      if (n === 0) return true;
      offset += n;
      const lines = (partial + buf.subarray(0, n).toString('utf8')).split('\n');
      partial = lines.pop()!;
      for (const l of lines) {
        const e = parseLogLine(l);
        if (e && !emit(e)) return false;
      }
    }
  };
  open();
  for (;;) {
    const finished = ended(); // checked before the last read: nothing is lost at the end
    if (!drain()) break;
    let rotated = false;
    try {
      rotated = statSync(log).ino !== ino;
    } catch {
      rotated = false;
    }
    if (rotated) {
      if (fd >= 0) closeSync(fd);
      partial = '';
      open();
      continue;
    }
    if (finished) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  if (fd >= 0) closeSync(fd);
}
