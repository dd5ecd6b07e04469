// After a pass: what it started that still runs is a leak (a container or helper that nook
// failed to reap); it is reported, then killed. A process counts as the pass's when it runs
// under the test user's uid or subordinate ids, started during the pass, and carries the
// pass's marker variable, runs the pass's staged launcher (which gets an empty environment),
// or descends from a process that does. Anything else on the machine, such as
// another person's processes as the same user, is left alone.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

// Process start times in /proc/PID/stat are counted in USER_HZ ticks, 100 on Linux.
const TICKS_PER_SECOND = 100;

/** Now, in the clock that /proc/PID/stat's start time uses (ticks since boot). */
export function ticksSinceBoot() {
  return Math.floor(parseFloat(readFileSync('/proc/uptime', 'utf8')) * TICKS_PER_SECOND);
}

/** @returns {Array<{ pid: number, ppid: number, uid: number, started: number, live: boolean }>} */
function allProcesses() {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): state is field 3, ppid 4, start time 22.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const uid = Number(readFileSync(`/proc/${entry}/status`, 'utf8').match(/^Uid:\s+(\d+)/m)?.[1]);
      found.push({ pid: Number(entry), ppid: Number(fields[1]), uid, started: Number(fields[19]), live: fields[0] !== 'Z' });
    } catch {
      // the process ended while being read
    }
  }
  return found;
}

function carriesMarker(pid, marker) {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(marker);
  } catch {
    return false;
  }
}

/** The launcher runs with an empty environment (no marker): it is known by its binary instead. */
function runsStagedBinary(pid, dir) {
  try {
    return readlinkSync(`/proc/${pid}/exe`).startsWith(`${dir}/`);
  } catch {
    return false;
  }
}

function describe(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim() || '?';
  } catch {
    return '?';
  }
}

/**
 * @param {{ uid: number, subIds?: { start: number, count: number } }} user
 * @param {number} since ticksSinceBoot() when the pass started
 * @param {string} marker the `NAME=value` entry the pass's environment carried
 * @returns {string[]} one line per leftover process, empty when nothing was left
 */
export function killLeftovers(user, since, marker) {
  const sub = user.subIds;
  const owned = (uid) => uid === user.uid || (sub !== undefined && uid >= sub.start && uid < sub.start + sub.count);
  const stageDir = marker.slice(marker.indexOf('=') + 1);
  const all = allProcesses();
  const byPid = new Map(all.map((p) => [p.pid, p]));
  const ofPass = (p) => {
    for (let q = p; q && owned(q.uid) && q.started >= since; q = byPid.get(q.ppid)) {
      if (carriesMarker(q.pid, marker) || (stageDir && runsStagedBinary(q.pid, stageDir))) return true;
    }
    return false;
  };
  const left = all.filter((p) => p.live && owned(p.uid) && p.started >= since && ofPass(p));
  const lines = left.map((p) => `pid ${p.pid} uid ${p.uid}: ${describe(p.pid)}`);
  for (const p of left) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return lines;
}

/** The first subordinate range of `name` (or `uid`) in /etc/subuid, if any. */
export function subUidRange(name, uid) {
  for (const line of readFileSync('/etc/subuid', 'utf8').split('\n')) {
    const [owner, start, count] = line.split(':');
    if (owner === name || owner === String(uid)) return { start: Number(start), count: Number(count) };
  }
  return undefined;
}
