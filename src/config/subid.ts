// /etc/subuid and /etc/subgid: `name-or-uid:start:count` lines (subuid(5)). Used by the run
// planner (which range to map) and by `nook doctor` (is there one, and which to suggest).

import type { IdRange } from '../util/id-range.js';

/** One line: whose range it is (a name or a numeric uid) and the range. */
export interface SubIdEntry extends IdRange {
  name: string;
}

const LINE = /^([^:\s]+):(\d+):(\d+)$/;

/** Every well-formed entry; comments, blank and malformed lines are skipped as shadow-utils does. */
export function parseSubIdFile(text: string): SubIdEntry[] {
  const entries: SubIdEntry[] = [];
  for (const raw of text.split('\n')) {
    const m = LINE.exec(raw.trim());
    if (!m) continue;
    const start = Number(m[2]);
    const count = Number(m[3]);
    if (count > 0 && Number.isSafeInteger(start + count)) entries.push({ name: m[1]!, start, count });
  }
  return entries;
}

/** This user's ranges, in file order; an entry may name the user or give the numeric uid. */
export function subIdRanges(text: string, userName: string, uid: number): IdRange[] {
  return parseSubIdFile(text)
    .filter((e) => e.name === userName || e.name === String(uid))
    .map(({ start, count }) => ({ start, count }));
}

/**
 * The first range of `count` ids at or above 100000 (useradd's SUB_UID_MIN) that overlaps no
 * existing entry: the range to suggest in a fix.
 */
export function freeSubIdRange(entries: ReadonlyArray<SubIdEntry>, count = 65536): IdRange {
  const taken = [...entries].sort((a, b) => a.start - b.start);
  let start = 100000;
  for (const e of taken) {
    if (e.start + e.count <= start) continue;
    if (e.start >= start + count) break;
    start = e.start + e.count;
  }
  return { start, count };
}
