// The one place that reads containers: records plus liveness, and Docker's rules for naming
// one (full id, exact name, unique id prefix).
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { NookError } from '../errors.js';
import { containerFiles, containersDir, namesDir } from './layout.js';
import { readConfig, readSupervisorState, type ContainerConfig, type SupervisorState } from './record.js';
import { deriveState, type ContainerState, type Liveness } from './status.js';
import { isRecordedProcess, isSupervisor, oldestChild, procStat } from './procfs.js';

export interface Container {
  id: string;
  dir: string;
  config: ContainerConfig;
  record: SupervisorState | undefined;
  state: ContainerState;
}

/**
 * The process a running container is entered (exec, cp, --network container:) and inspected
 * (top, pause, stats) through: its pid 1, or with --init the workload, pid 1's first child.
 * There pid 1 is the launcher, and nothing may inspect it: its memory and binary are the
 * host's, so it is not dumpable, and /proc refuses its namespaces and root to us as well.
 * 0 when there is none.
 */
export function entryPid(c: Container): number {
  const pid = c.state.pid;
  return pid && c.config.plan?.some((d) => d[0] === 'init') ? oldestChild(pid) : pid;
}

/**
 * The process a joiner enters (exec, cp, `--network container:`) with its start time, which
 * proves to the launcher that the pid is still that process; undefined when none runs.
 */
export function entryProcess(c: Container): { pid: number; startTicks: number } | undefined {
  const pid = entryPid(c);
  const stat = pid ? procStat(pid) : undefined;
  return stat ? { pid, startTicks: stat.startTicks } : undefined;
}

/** The pid a `paused` marker names (the marker is only valid for that process). */
export function pausedPid(id: string): number {
  try {
    return Number(readFileSync(containerFiles(id).pausedMarker, 'utf8').trim()) || 0;
  } catch {
    return 0;
  }
}

export function liveness(id: string, record: SupervisorState | undefined): Liveness {
  const files = containerFiles(id);
  if (!record) return { processAlive: false, supervisorAlive: false, pausedMarker: false, stopMarker: existsSync(files.stopMarker) };
  const processAlive = record.status === 'running' && isRecordedProcess(record.pid, record.supervisorPid, record.startedAt);
  return {
    processAlive,
    supervisorAlive: processAlive || isSupervisor(record.supervisorPid, record.startedAt || record.finishedAt),
    pausedMarker: processAlive && pausedPid(id) === record.pid,
    stopMarker: existsSync(files.stopMarker),
  };
}

/** A container by its full id, or undefined when it has no readable config. */
export function loadContainer(id: string): Container | undefined {
  const files = containerFiles(id);
  const config = readConfig(files.config);
  if (!config || config.id !== id) return undefined;
  const record = readSupervisorState(files.state);
  return { id, dir: files.dir, config, record, state: deriveState(config, record, liveness(id, record)) };
}

const ID = /^[0-9a-f]{64}$/;

/** A full container id: 64 hex digits. */
export const isContainerId = (s: string): boolean => ID.test(s);

export function containerIds(): string[] {
  try {
    return readdirSync(containersDir()).filter((e) => ID.test(e));
  } catch {
    return [];
  }
}

/** Every container, newest first. */
export function listContainers(): Container[] {
  const all = containerIds().map(loadContainer).filter((c): c is Container => c !== undefined);
  // ISO 8601 times order as plain strings; localeCompare would set up ICU's collator, ~20 ms of ps
  return all.sort((a, b) => (a.config.created < b.config.created ? 1 : a.config.created > b.config.created ? -1 : 0));
}

export function noSuchContainer(ref: string): NookError {
  return new NookError(`No such container: ${ref}`);
}

/** Docker's resolution: full id, then exact name, then a unique id prefix. */
export function resolveContainerId(ref: string): string {
  if (ref === '') throw noSuchContainer(ref);
  const ids = containerIds();
  if (ID.test(ref) && ids.includes(ref)) return ref;
  const name = ref.startsWith('/') ? ref.slice(1) : ref;
  if (!name.includes('/') && name !== '.' && name !== '..') {
    try {
      const target = readlinkSync(join(namesDir(), name));
      if (ids.includes(target)) return target;
    } catch {
      // not a name
    }
  }
  if (/^[0-9a-f]+$/.test(ref)) {
    const matches = ids.filter((id) => id.startsWith(ref));
    if (matches.length > 1) throw new NookError(`Multiple IDs found with provided prefix: ${ref}`, { hint: 'give more of the id, or the name' });
    if (matches.length === 1) return matches[0]!;
  }
  throw noSuchContainer(ref);
}

export function resolveContainer(ref: string): Container {
  const c = loadContainer(resolveContainerId(ref));
  if (!c) throw noSuchContainer(ref);
  return c;
}
