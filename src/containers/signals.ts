// Signals by name or number as Docker accepts them, and delivery that cannot hit a reused
// pid: a pidfd pins the process, then the caller's identity check runs, then the signal goes
// through the pidfd (pidfd_open + pidfd_send_signal, through libc's syscall()).
import { closeSync } from 'node:fs';
import { constants } from 'node:os';
import { NookError } from '../errors.js';
import { libcCall, types } from '../native/ffi.js';

const SYS_PIDFD_OPEN = 434;
const SYS_PIDFD_SEND_SIGNAL = 424;
const ESRCH = 3;

/** "KILL", "SIGKILL", "kill", "9" -> 9; anything else is Docker's "Invalid signal". */
export function parseSignal(text: string): number {
  const t = text.trim();
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    if (n >= 1 && n <= 64) return n;
  } else {
    const name = t.toUpperCase().replace(/^SIG/, '');
    const rt = /^RTM(IN|AX)([+-]\d+)?$/.exec(name);
    if (rt) {
      const n = (rt[1] === 'IN' ? 34 : 64) + Number(rt[2] ?? 0);
      if (n >= 34 && n <= 64) return n;
    }
    const n = (constants.signals as Record<string, number>)[`SIG${name}`];
    if (n !== undefined) return n;
  }
  throw new NookError(`Invalid signal: ${text}`, { hint: 'use a name like TERM, SIGKILL or a number 1-64' });
}

function syscall(nr: number, args: number[]): { value: number; errno: number } {
  const I64 = types()['I64']!;
  return libcCall('syscall', I64, [I64, ...args.map(() => I64)], [nr, ...args]);
}

/**
 * Sends `signal` to `pid` if `stillOurs()` holds once the pid is pinned by a pidfd.
 * Returns false when the process is gone or is no longer the one we mean.
 */
export function signalPinned(pid: number, signal: number, stillOurs: () => boolean): boolean {
  const open = syscall(SYS_PIDFD_OPEN, [pid, 0]);
  if (open.value < 0) {
    if (open.errno === ESRCH) return false;
    throw new NookError(`cannot open process ${pid}: errno ${open.errno}`);
  }
  try {
    if (!stillOurs()) return false;
    const sent = syscall(SYS_PIDFD_SEND_SIGNAL, [open.value, signal, 0, 0]);
    if (sent.value < 0 && sent.errno !== ESRCH) throw new NookError(`cannot signal process ${pid}: errno ${sent.errno}`);
    return sent.value === 0;
  } finally {
    closeSync(open.value);
  }
}
