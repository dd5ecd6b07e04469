// subuid/subgid ranges: without one nook maps only the user's own id (container root), so images
// with files of other owners cannot be unpacked faithfully. A warning, not a failure.
import { readFile } from 'node:fs/promises';
import { freeSubIdRange, parseSubIdFile, subIdRanges, type SubIdEntry } from '../../config/subid.js';
import type { IdRange } from '../../util/id-range.js';
import { ok, warn, type CheckResult } from '../check.js';

/** Images use ids up to 65534 (nobody); fewer subordinate ids leave files of some owners unmappable. */
export const RECOMMENDED_IDS = 65536;

export interface User {
  name: string;
  uid: number;
}

/** Two of the user's own ranges that overlap each other, if any. */
function selfOverlap(ranges: ReadonlyArray<IdRange>): [IdRange, IdRange] | null {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.start < sorted[i - 1]!.start + sorted[i - 1]!.count) return [sorted[i - 1]!, sorted[i]!];
  }
  return null;
}

/** This user's first entry that overlaps another user's, and whose entries those are. */
function clash(entries: ReadonlyArray<SubIdEntry>, user: User): { mine: SubIdEntry; others: string[] } | null {
  const isMine = (e: SubIdEntry) => e.name === user.name || e.name === String(user.uid);
  const overlaps = (a: SubIdEntry, b: SubIdEntry) => a.start < b.start + b.count && b.start < a.start + a.count;
  for (const mine of entries.filter(isMine)) {
    const others = entries.filter((e) => !isMine(e) && overlaps(e, mine)).map((e) => e.name);
    if (others.length > 0) return { mine, others: [...new Set(others)] };
  }
  return null;
}

/** The verdict for one file; `text` is null when the file does not exist. */
export function judgeSubIds(kind: 'subuid' | 'subgid', text: string | null, user: User): CheckResult {
  const name = `${kind} range`;
  const file = `/etc/${kind}`;
  const ranges = text === null ? [] : subIdRanges(text, user.name, user.uid);
  const flag = kind === 'subuid' ? '--add-subuids' : '--add-subgids';
  const free = freeSubIdRange(text === null ? [] : parseSubIdFile(text), RECOMMENDED_IDS);
  const fix = `sudo usermod ${flag} ${free.start}-${free.start + free.count - 1} ${user.name}`;
  if (ranges.length === 0) {
    const where = text === null ? `${file} does not exist` : `no entry for ${user.name} in ${file}`;
    return warn(name, `${where}; nook falls back to mapping only your own id`, fix);
  }
  const total = ranges.reduce((n, r) => n + r.count, 0);
  const shown = ranges.map((r) => `${r.start}-${r.start + r.count - 1}`).join(', ');
  const detail = `${user.name}: ${shown} (${total} ids)`;
  const own = selfOverlap(ranges);
  if (own) {
    const [a, b] = own.map((r) => `${r.start}-${r.start + r.count - 1}`);
    // usermod --del-sub*ids trims every entry within the span, so drop both and add one afresh.
    const end = Math.max(own[0].start + own[0].count, own[1].start + own[1].count) - 1;
    return warn(
      name,
      `${detail}; your ranges ${a} and ${b} overlap, and the kernel refuses overlapping id maps`,
      `sudo usermod --del-${kind}s ${own[0].start}-${end} ${user.name} && ${fix}`,
    );
  }
  const shared = clash(parseSubIdFile(text ?? ''), user);
  if (shared) {
    const { start, count } = shared.mine;
    return warn(
      name,
      `${detail}; ${start}-${start + count - 1} overlaps the range of ${shared.others.join(', ')} in ${file}: their containers and yours share those ids`,
      `sudo usermod --del-${kind}s ${start}-${start + count - 1} ${user.name} && ${fix}`,
    );
  }
  if (total < RECOMMENDED_IDS) {
    return warn(name, `${detail}; ${RECOMMENDED_IDS} recommended, files owned by higher ids cannot be mapped`, fix);
  }
  return ok(name, detail);
}

async function readOrNull(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

export async function checkSubIds(kind: 'subuid' | 'subgid', user: User): Promise<CheckResult> {
  return judgeSubIds(kind, await readOrNull(`/etc/${kind}`), user);
}
