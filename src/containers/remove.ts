// Removing a container: its directory holds files its processes created under subordinate
// ids, so the tree is deleted from inside a user namespace mapped like the containers; then
// its name is released (only if the name still points at it).
import { readlinkSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { NookError } from '../errors.js';
import { spawnInUserNamespace } from '../launcher/userns.js';
import { withLock } from '../storage/lock.js';
import { containerDir, containerLockPath, namesDir, namesLockPath } from './layout.js';

/** Runs argv inside a user namespace mapped like the containers; its last stderr line explains a failure. */
export function runInUserNamespace(argv: string[], what: string): Promise<void> {
  return spawnInUserNamespace(argv, ['ignore', 'ignore']).done((code, signal, line) => new NookError(`cannot ${what}: ${line || (signal ?? `exit ${code}`)}`));
}

/** Deletes host paths from inside the containers' user namespace. */
export async function removeTreesInNamespace(paths: string[]): Promise<void> {
  if (paths.length > 0) await runInUserNamespace(['rm', '-rf', '--', ...paths], `remove ${paths.join(' ')}`);
}

/** Drops names/<name> if it still names `id`. */
export async function releaseName(name: string, id: string): Promise<void> {
  await withLock(namesLockPath(), () => {
    const link = join(namesDir(), name);
    try {
      if (readlinkSync(link) === id) unlinkSync(link);
    } catch {
      // already gone
    }
  });
}

/** Removes a container that has ended: its files, then its name, then its lock file. */
export async function removeContainerFiles(id: string, name: string): Promise<void> {
  await removeTreesInNamespace([containerDir(id)]);
  await releaseName(name, id);
  rmSync(containerLockPath(id), { force: true });
}
