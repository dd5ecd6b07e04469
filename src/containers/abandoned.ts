// Containers a dead nook process left half done, told apart from live work by the same rule
// as the store's leftovers (src/storage/leftovers.ts): what can be locked has no live owner.
// - `run`/`create` killed while creating: the dir exists without a readable config.json (a
//   `--rm` record is not fsynced: a power cut may leave it empty). The creator holds the
//   container's lock from before the dir is made until the record is written.
// - a `--rm` container whose launcher was killed: it reads as exited, and no supervisor is
//   left to remove it (a live one removes it itself, right after recording the exit).
import { closeSync, existsSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { lockIfCurrent } from '../storage/lock.js';
import { containerDir, containerFiles, containerLockPath } from './layout.js';
import { removeTreesInNamespace } from './remove.js';
import { isContainerId, liveness, loadContainer } from './state.js';
import { readConfig } from './record.js';

/** True when a dead process left `id` behind for the next command to remove. */
export function isAbandoned(id: string): boolean {
  if (!isContainerId(id)) return false;
  const c = loadContainer(id);
  if (c) return c.config.autoRemove === true && c.state.status === 'exited' && !liveness(id, c.record).supervisorAlive;
  return isAbandonedCreate(id);
}

/** A `run` or `create` killed before its record: a directory without a readable config.json, unlocked. */
export function isAbandonedCreate(id: string): boolean {
  if (!existsSync(containerDir(id))) return false;
  const lock = containerLockPath(id);
  mkdirSync(dirname(lock), { recursive: true, mode: 0o700 });
  const fd = openSync(lock, 'a', 0o600);
  try {
    // the record is checked again under the lock: the creator may have just finished
    return lockIfCurrent(fd, lock) && readConfig(containerFiles(id).config) === undefined;
  } finally {
    closeSync(fd);
  }
}

/** Removes what a dead process left of `id`: its directory (inside the user namespace) and its lock. */
export async function removeAbandoned(id: string): Promise<void> {
  const dir = containerDir(id);
  if (existsSync(dir)) await removeTreesInNamespace([dir]);
  rmSync(containerLockPath(id), { force: true });
}
