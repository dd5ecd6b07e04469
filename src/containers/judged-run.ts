// Judge mode's effects: the launcher is spawned (not exec'd in place: someone must write the
// record after the box is gone) with the box's stdio on fds 0-2, reports on its status fd, and
// the record goes to the user's path atomically. What the numbers mean: core/judge-plan.ts.
import type { ChildProcess } from 'node:child_process';
import { constants, openSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { fail } from '../errors.js';
import { encodeDirectives, type Directive } from '../core/directives.js';
import { failureRecord, resultRecord, type BoxLimits, type ResultRecord, type UsageReport } from '../core/judge-plan.js';
import { DETACHED_STATUS_FD } from '../launcher/fd-layout.js';
import { spawnLauncherWith } from '../launcher/spawned.js';
import { parseStatusLines, type StatusEvent } from '../launcher/detached.js';
import { writeFileAtomic } from '../storage/atomic.js';

export interface JudgedIo {
  stdin?: string | undefined;
  stdout?: string | undefined;
  stderr?: string | undefined;
  /** the box's record goes here (absolute) */
  result?: string | undefined;
}

function openIo(path: string | undefined, write: boolean): number | 'inherit' {
  if (path === undefined) return 'inherit';
  try {
    // the user's own files, as a shell's redirections open them
    return write ? openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o644) : openSync(path, constants.O_RDONLY);
  } catch (e) {
    fail(`cannot open ${path}: ${(e as Error).message}`);
  }
}

/** How a box ended: its record, its exit code (as `run` exits) and the launcher's error, if any. */
export interface BoxEnd {
  record: ResultRecord;
  exitCode: number;
  error: string | undefined;
}

type StdioEnd = number | 'inherit' | 'pipe' | 'ignore';
/** A box spawned: its launcher, and its end. */
export interface StartedBox {
  child: ChildProcess;
  ended: Promise<BoxEnd>;
}

export type BoxStdio = readonly [StdioEnd, StdioEnd, StdioEnd];

/**
 * Spawns the launcher for one box, its directives encoded (before: a plan that cannot be
 * encoded must not leave a launcher waiting for it), with `stdio` on its fds 0-2 (fds given are closed here, the
 * child has them) and the seccomp program's memfd; `ended` settles once the box is gone.
 * What the caller does with signals and the record is its own: `run` or `serve`.
 */
export function startBox(launcher: string, encoded: Buffer, seccomp: number | undefined, limits: BoxLimits, stdio: BoxStdio): StartedBox {
  const owned = [...stdio, seccomp].filter((fd): fd is number => typeof fd === 'number');
  const child = spawnLauncherWith(launcher, [...stdio, 'pipe', 'pipe', ...(seccomp === undefined ? [] : [seccomp])], ['--status-fd', String(DETACHED_STATUS_FD)], encoded, owned);
  let text = '';
  (child.stdio[DETACHED_STATUS_FD] as Readable).setEncoding('utf8').on('data', (s: string) => (text += s));
  const ended = new Promise<number>((resolve) => {
    child.on('error', () => resolve(125));
    child.on('close', (code) => resolve(code ?? 125));
  }).then((launcherCode): BoxEnd => {
    const events = parseStatusLines(text);
    const error = events.find((e) => e.type === 'error');
    const usage = events.find((e) => e.type === 'usage') as unknown as UsageReport | undefined;
    const record = usage ? resultRecord(usage, limits) : failureRecord(error?.msg ?? `the launcher ended (${launcherCode}) without a report`, limits);
    return { record, exitCode: exitCodeOf(events, error, launcherCode), error: error ? (error.msg ?? 'the container failed to start') : undefined };
  });
  return { child, ended };
}

/**
 * Runs the box and waits for it; returns its exit code (the container's status, 125 or
 * 126/127 for a start that failed) after writing the record, if one was asked for.
 */
export async function runJudged(launcher: string, directives: readonly Directive[], seccomp: number | undefined, limits: BoxLimits, io: JudgedIo): Promise<number> {
  const { child, ended } = startBox(launcher, encodeDirectives(directives), seccomp, limits, [openIo(io.stdin, false), openIo(io.stdout, true), openIo(io.stderr, true)]);
  // a signal for us is the box's (the launcher forwards it); the record is still written
  const forward = (sig: NodeJS.Signals) => child.kill(sig);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, forward);
  const { record, exitCode, error } = await ended;
  if (error !== undefined) process.stderr.write(`nook: ${error}\n`);
  // atomically (temp beside it, created exclusively, fsync, rename): a symlink planted at the
  // name is replaced, never followed
  if (io.result !== undefined) writeFileAtomic(io.result, JSON.stringify(record, null, 2) + '\n', 0o644);
  return exitCode;
}

function exitCodeOf(events: StatusEvent[], error: StatusEvent | undefined, launcherCode: number): number {
  const exit = events.find((e) => e.type === 'exit');
  if (exit?.code !== undefined) return exit.code;
  if (error) return error.stage === 'exec' && error.errno === 2 ? 127 : error.stage === 'exec' ? 126 : 125;
  return launcherCode;
}
