// The store lock, and with it the clean-up of what dead processes left: every verb that takes
// the store lock (pull, load, import, save, export, rmi, prune, system check|prune) first
// removes the leftovers whose writers are provably dead (src/storage/leftovers.ts). A shared
// holder may do it too: a live puller's temps stay locked, so nobody takes them.
import { rmSync } from 'node:fs';
import { withLock } from '../storage/lock.js';
import { claimDeadLeftovers } from '../storage/leftovers.js';
import type { StoreLayout } from '../storage/layout.js';
import { removeInNamespace } from '../nsworker/run-worker.js';

/** Removes the dead processes' leftovers; returns how many there were. */
export async function removeDeadLeftovers(s: StoreLayout): Promise<number> {
  const dead = claimDeadLeftovers(s);
  try {
    for (const f of dead.files) rmSync(f, { force: true });
    // layer dirs and spools hold files of subordinate owners
    await removeInNamespace(dead.dirs);
    for (const l of dead.lockFiles) rmSync(l, { force: true });
    return dead.count;
  } finally {
    dead.release();
  }
}

/** Runs `fn` holding the store lock (shared: pulls; exclusive: what judges or deletes content), after the clean-up. */
export function withStoreLock<T>(s: StoreLayout, fn: (leftoversRemoved: number) => Promise<T> | T, opts: { shared?: boolean; timeoutMs?: number } = {}): Promise<T> {
  return withLock(s.storeLock, async () => fn(await removeDeadLeftovers(s)), opts);
}
