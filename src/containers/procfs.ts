// What /proc says about a process, and the pid-reuse-safe identity check every verb uses
// before it believes or signals a pid. Reading another process's ns links or smaps needs
// ptrace-read access: we own the containers' user namespaces, so we have it.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';

/** Linux's USER_HZ: /proc times are in these ticks (100 on every mainstream architecture). */
const CLOCK_TICKS = 100;

export interface ProcStat { pid: number; ppid: number; state: string; utime: number; stime: number; startTicks: number; rssPages: number }

/** /proc/<pid>/stat parsed, or undefined when the process is gone. */
export function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm may hold spaces and parentheses: the fields start after the last ')'
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return {
    pid,
    state: f[0]!,
    ppid: Number(f[1]),
    utime: Number(f[11]),
    stime: Number(f[12]),
    startTicks: Number(f[19]),
    rssPages: Number(f[21]),
  };
}

let bootMs: number | undefined;
/** When this machine booted (ms since the epoch), from /proc/stat's btime. */
export function bootTimeMs(): number {
  if (bootMs === undefined) {
    const m = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    bootMs = Number(m?.[1] ?? 0) * 1000;
  }
  return bootMs;
}

/** A process's start (ms since the epoch); /proc's btime is whole seconds, so ±1 s. */
export const startedAtMs = (s: ProcStat): number => bootTimeMs() + (s.startTicks * 1000) / CLOCK_TICKS;

export function argv0(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
  } catch {
    return '';
  }
}

export function nsLink(pid: number, ns: 'pid' | 'net' | 'user' | 'mnt'): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/${ns}`);
  } catch {
    return undefined;
  }
}

/** The child of `pid` that started first (by /proc/PID/task/PID/children), or 0. */
export function oldestChild(pid: number): number {
  let children: number[];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return 0;
  }
  let oldest = 0;
  let start = Infinity;
  for (const c of children) {
    const s = procStat(c);
    if (s && s.startTicks < start) [oldest, start] = [c, s.startTicks];
  }
  return oldest;
}

export function allPids(): number[] {
  return readdirSync('/proc').filter((e) => /^\d+$/.test(e)).map(Number);
}

const SLACK_MS = 2000;

/**
 * Is `pid` still the container process a supervisor recorded? True only when the supervisor
 * `supervisorPid` is a live nook-run that started before `startedAt`, and `pid` is its child
 * that started no later than `startedAt`. A reused pid starts later or has another parent;
 * after a reboot both started after the record (or are gone), so old records read as dead.
 */
export function isRecordedProcess(pid: number, supervisorPid: number, startedAt: string): boolean {
  if (!pid || !isSupervisor(supervisorPid, startedAt)) return false;
  const recorded = Date.parse(startedAt);
  const child = procStat(pid);
  return child !== undefined && child.ppid === supervisorPid && child.state !== 'Z' && startedAtMs(child) <= recorded + SLACK_MS;
}

/** Is `supervisorPid` the live launcher that wrote a record at `recordedAt` (or later)? */
export function isSupervisor(supervisorPid: number, recordedAt: string): boolean {
  const recorded = Date.parse(recordedAt);
  if (!supervisorPid || !Number.isFinite(recorded) || recorded < bootTimeMs() - SLACK_MS) return false;
  const sup = procStat(supervisorPid);
  return sup !== undefined && sup.state !== 'Z' && basename(argv0(supervisorPid)) === 'nook-run' && startedAtMs(sup) <= recorded + SLACK_MS;
}
