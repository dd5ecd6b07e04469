// Leftovers of nook processes that died (killed, crashed, out of memory), found by their locks.
// Every store temp is created locked by its writer (atomic.ts) and a layer dir is written under
// its layer lock (image/layer-store.ts). The kernel drops a dead process's locks, so what can be
// locked here has no live writer, whatever mode the store lock is held in; what is still
// locked is someone's work in flight and is left alone. flock rather than a pid in the name:
// no pid reuse to guard against, and it holds across pid namespaces (nook run inside a
// container, a home shared by several) where a pid names another process or none.
import { closeSync, constants, existsSync, lstatSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { lockIfCurrent } from './lock.js';
import { layerLockPath, layerRecordPath, layerDir, type StoreLayout } from './layout.js';
import { isLayerDirName, list } from './scan.js';

export interface DeadLeftovers {
  /** Temp files: tmp/ entries and `.tmp-*` files beside their targets. */
  files: string[];
  /** Temp dirs in tmp/ and layer dirs without their completeness marker. */
  dirs: string[];
  /** Lock files of layers that are not there (the layer's, once its dir is removed). */
  lockFiles: string[];
  /** How many things died half done: a layer's dir and its lock count once. */
  count: number;
  /** Drops the locks taken; call once they are removed. */
  release(): void;
}

const LAYER_LOCK = /^layer-([a-f0-9]{64})\.lock$/;

/**
 * Locks every leftover whose writer is dead and returns them, still locked, so no new writer
 * can take a name or a layer while they are removed.
 */
export function claimDeadLeftovers(s: StoreLayout): DeadLeftovers {
  const held: number[] = [];
  const dead: DeadLeftovers = {
    files: [], dirs: [], lockFiles: [], count: 0,
    release: () => {
      for (const fd of held.splice(0)) closeSync(fd);
    },
  };
  /** Locks `path` itself: 'dead' when that succeeded, or when it is nothing nook creates. */
  const claim = (path: string, open: () => number): boolean => {
    let fd: number;
    try {
      fd = open();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return false; // finished meanwhile
      if (code === 'ELOOP' || code === 'ENXIO') return true; // a link or a device: never nook's temp, never locked
      throw err;
    }
    if (lockIfCurrent(fd, path)) {
      held.push(fd);
      return true;
    }
    closeSync(fd);
    return false;
  };
  const openEntry = (path: string) => () => openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  const temp = (path: string) => {
    if (!claim(path, openEntry(path))) return;
    dead.count++;
    if (lstatSync(path).isDirectory()) dead.dirs.push(path);
    else dead.files.push(path);
  };
  try {
    for (const name of list(s.tmpDir)) temp(join(s.tmpDir, name));
    for (const dir of [s.root, s.blobsDir]) for (const name of list(dir)) if (name.startsWith('.tmp-')) temp(join(dir, name));
    // A complete layer's dir holds no temp: its marker is the last rename in it.
    for (const name of list(s.layersDir)) {
      const chainId = `sha256:${name}`;
      if (!isLayerDirName(name) || existsSync(layerRecordPath(s, chainId))) continue;
      const lock = layerLockPath(s, chainId);
      if (claim(lock, () => openSync(lock, 'a', 0o600))) {
        dead.dirs.push(layerDir(s, chainId));
        dead.lockFiles.push(lock);
        dead.count++;
      }
    }
    for (const name of list(s.locksDir)) {
      const hex = LAYER_LOCK.exec(name)?.[1];
      if (!hex || existsSync(layerDir(s, `sha256:${hex}`))) continue;
      const lock = join(s.locksDir, name);
      if (claim(lock, openEntry(lock))) {
        dead.lockFiles.push(lock);
        dead.count++;
      }
    }
  } catch (err) {
    dead.release();
    throw err;
  }
  return dead;
}
