// `--ulimit name=soft[:hard]` (and the config's ulimits) as setrlimit arguments. Pure.
import { fail } from '../errors.js';
import { splitKeyValue } from '../util/key-value.js';

/** RLIMIT_* numbers from <sys/resource.h> on Linux. */
export const RLIMITS: Record<string, number> = {
  cpu: 0, fsize: 1, data: 2, stack: 3, core: 4, rss: 5, nproc: 6, nofile: 7,
  memlock: 8, as: 9, locks: 10, sigpending: 11, msgqueue: 12, nice: 13, rtprio: 14, rttime: 15,
};

function limit(v: string, spec: string): number {
  if (v === '-1' || v === 'unlimited') return -1;
  if (!/^\d+$/.test(v)) fail(`invalid ulimit "${spec}": "${v}" is not a number`);
  return Number(v);
}

export function parseUlimit(spec: string): { resource: number; soft: number; hard: number } {
  const [name, limits] = splitKeyValue(spec);
  if (limits === undefined || !(name in RLIMITS)) {
    fail(`invalid ulimit "${spec}"`, `use NAME=SOFT[:HARD] with NAME one of ${Object.keys(RLIMITS).join(', ')}`);
  }
  const [softText, hardText, extra] = limits.split(':');
  if (extra !== undefined || !softText) fail(`invalid ulimit "${spec}"`, 'use NAME=SOFT[:HARD]');
  const soft = limit(softText, spec);
  const hard = hardText === undefined ? soft : limit(hardText, spec);
  if (hard !== -1 && (soft === -1 || soft > hard)) fail(`invalid ulimit "${spec}": soft limit above the hard limit`);
  return { resource: RLIMITS[name]!, soft, hard };
}
