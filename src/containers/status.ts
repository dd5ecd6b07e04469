// A container's state as Docker reports it, derived from its records and what /proc says.
// The derivation is pure (deriveState takes the liveness facts), so every case is unit-tested.
import type { ContainerConfig, SupervisorState } from './record.js';

export type Status = 'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'dead';

export interface ContainerState {
  status: Status;
  running: boolean;
  paused: boolean;
  restarting: boolean;
  pid: number;
  supervisorPid: number;
  exitCode: number;
  startedAt: string;
  finishedAt: string;
  restartCount: number;
}

export interface Liveness {
  /** the recorded container process is still the live child of its supervisor */
  processAlive: boolean;
  /** the recorded supervisor still runs (between restarts it waits with no child) */
  supervisorAlive: boolean;
  /** the paused marker names this very process */
  pausedMarker: boolean;
  /** the stop marker exists: the supervisor will not restart it */
  stopMarker: boolean;
}

/** Docker's code for a container whose end nobody saw (its supervisor died, or a reboot). */
export const LOST_EXIT_CODE = 255;

const ZERO_TIME = '0001-01-01T00:00:00Z';

export function deriveState(config: ContainerConfig, record: SupervisorState | undefined, live: Liveness): ContainerState {
  if (!record) {
    return { status: 'created', running: false, paused: false, restarting: false, pid: 0, supervisorPid: 0, exitCode: 0, startedAt: ZERO_TIME, finishedAt: ZERO_TIME, restartCount: 0 };
  }
  const base = { supervisorPid: record.supervisorPid, startedAt: record.startedAt || ZERO_TIME, restartCount: record.restartCount };
  if (record.status === 'running' && live.processAlive) {
    const paused = live.pausedMarker;
    return { ...base, status: paused ? 'paused' : 'running', running: true, paused, restarting: false, pid: record.pid, exitCode: 0, finishedAt: ZERO_TIME };
  }
  if (record.status === 'running') {
    // recorded as running, but the process is gone and nobody recorded its end
    if (live.supervisorAlive) {
      // the supervisor is between reaping and recording: report it running a moment longer
      return { ...base, status: 'running', running: true, paused: false, restarting: false, pid: record.pid, exitCode: 0, finishedAt: ZERO_TIME };
    }
    return { ...base, status: 'exited', running: false, paused: false, restarting: false, pid: 0, exitCode: LOST_EXIT_CODE, finishedAt: record.startedAt || ZERO_TIME };
  }
  const policy = config.restartPolicy?.name ?? 'no';
  const restarting = live.supervisorAlive && policy !== 'no' && !live.stopMarker;
  return {
    ...base,
    status: restarting ? 'restarting' : 'exited',
    running: restarting,
    paused: false,
    restarting,
    pid: 0,
    exitCode: record.exitCode,
    finishedAt: record.finishedAt || ZERO_TIME,
  };
}

