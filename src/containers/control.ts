// Stopping, killing, pausing: the verbs that signal a container. Each runs under the
// container's lock and re-checks the recorded process right before every signal.
import { rmSync } from 'node:fs';
import { writeFileAtomic } from '../storage/atomic.js';
import { withLock } from '../storage/lock.js';
import { NookError } from '../errors.js';
import { containerFiles, containerLockPath } from './layout.js';
import { isRecordedProcess, isSupervisor, procStat } from './procfs.js';
import { containerProcesses } from './processes.js';
import { parseSignal, signalPinned } from './signals.js';
import { entryPid, loadContainer, noSuchContainer, type Container } from './state.js';

const SIGKILL = 9;
const SIGTERM = 15;
const SIGSTOP = 19;
const SIGCONT = 18;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function reload(id: string): Container {
  const c = loadContainer(id);
  if (!c) throw noSuchContainer(id);
  return c;
}

/** Polls until `done` holds or `timeoutMs` passes (negative: forever); true when it held. */
export async function pollUntil(done: () => boolean, timeoutMs: number, everyMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (done()) return true;
    if (timeoutMs >= 0 && Date.now() > deadline) return false;
    await sleep(everyMs);
  }
}

/** Signals the container's init, only if it is still the recorded process. */
export function signalInit(c: Container, signal: number): boolean {
  const r = c.record;
  if (!r || r.status !== 'running') return false;
  return signalPinned(r.pid, signal, () => isRecordedProcess(r.pid, r.supervisorPid, r.startedAt));
}

/** Signals the supervisor (ends a restart back-off early), only if it is still the recorded one. */
function signalSupervisor(c: Container, signal: number): boolean {
  const r = c.record;
  if (!r) return false;
  return signalPinned(r.supervisorPid, signal, () => isSupervisor(r.supervisorPid, r.startedAt || r.finishedAt));
}

function supervisorGone(id: string): boolean {
  const r = loadContainer(id)?.record;
  return !r || !isSupervisor(r.supervisorPid, r.startedAt || r.finishedAt);
}

/** Marks the container as stopped on purpose: its supervisor will not restart it. */
function markStopped(c: Container): void {
  writeFileAtomic(containerFiles(c.id).stopMarker, '');
}

/** Continues every process of a paused container and forgets the pause. */
function resumeAll(c: Container): void {
  for (const p of containerProcesses(entryPid(c))) signalPinned(p, SIGCONT, () => procStat(p) !== undefined);
  rmSync(containerFiles(c.id).pausedMarker, { force: true });
}

export function stopSignalOf(c: Container): number {
  try {
    return parseSignal(c.config.stopSignal ?? 'SIGTERM');
  } catch {
    return SIGTERM;
  }
}

/**
 * Docker's stop: the stop signal to init, SIGKILL after `timeoutSec` (negative: wait forever),
 * then waits for the supervisor to record the end. A stopped container is left as it is.
 */
export async function stopContainer(id: string, timeoutSec: number, signal?: number): Promise<void> {
  await withLock(containerLockPath(id), async () => {
    let c = reload(id);
    markStopped(c);
    if (c.state.restarting) {
      signalSupervisor(c, SIGTERM);
      await pollUntil(() => supervisorGone(id), 10_000);
      return;
    }
    if (!c.state.running) return;
    signalInit(c, signal ?? stopSignalOf(c));
    if (c.state.paused) resumeAll(c);
    const ended = () => !loadContainer(id)?.state.running;
    if (!(await pollUntil(ended, timeoutSec < 0 ? -1 : timeoutSec * 1000))) {
      c = reload(id);
      signalInit(c, SIGKILL);
      await pollUntil(ended, 10_000);
    }
  });
}

/** Docker's kill: any signal (default KILL) to init of a running container. */
export async function killContainer(id: string, ref: string, signal: number): Promise<void> {
  await withLock(containerLockPath(id), async () => {
    const c = reload(id);
    if (!c.state.running || c.state.restarting) throw new NookError(`cannot kill container: ${ref}: container ${id} is not running`);
    // Docker: a killed container counts as stopped by hand; its restart policy no longer applies
    markStopped(c);
    if (!signalInit(c, signal)) throw new NookError(`cannot kill container: ${ref}: container ${id} is not running`);
    if (c.state.paused && signal !== SIGKILL) resumeAll(c);
  });
}

/** Ends everything of a container, whatever its state (for `rm -f`); the caller holds its lock. */
export async function forceEndLocked(id: string): Promise<void> {
  const c = reload(id);
  markStopped(c);
  if (c.state.running) signalInit(c, SIGKILL);
  if (c.state.restarting) signalSupervisor(c, SIGTERM);
  if (!(await pollUntil(() => supervisorGone(id), 5_000))) signalSupervisor(reload(id), SIGKILL);
  await pollUntil(() => supervisorGone(id), 5_000);
}

/**
 * pause/unpause without a delegated freezer (cgroup v1 here): SIGSTOP/SIGCONT to every
 * process in the container's pid namespace. The `paused` marker names the init pid, so a
 * later container with another pid never reads as paused.
 */
export async function setPaused(id: string, ref: string, paused: boolean): Promise<void> {
  await withLock(containerLockPath(id), async () => {
    const c = reload(id);
    if (!c.state.running || c.state.restarting) throw new NookError(`Container ${id} is not running`);
    if (paused && c.state.paused) throw new NookError(`Container ${id} is already paused`);
    if (!paused && !c.state.paused) throw new NookError(`Container ${id} is not paused`);
    const pids = containerProcesses(entryPid(c));
    if (pids.length === 0) throw new NookError(`cannot ${paused ? 'pause' : 'unpause'} ${ref}: its processes are not visible`);
    if (paused) writeFileAtomic(containerFiles(id).pausedMarker, `${c.state.pid}\n`);
    const r = c.record!;
    const ours = () => isRecordedProcess(r.pid, r.supervisorPid, r.startedAt);
    for (const p of pids) signalPinned(p, paused ? SIGSTOP : SIGCONT, ours);
    if (!paused) rmSync(containerFiles(id).pausedMarker, { force: true });
  });
}
