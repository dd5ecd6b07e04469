// Where each thing lives in the per-user store (DESIGN.md §3). Pure path arithmetic.
import { join } from 'node:path';
import { dataDir } from '../paths.js';
import { digestHex } from './digest.js';

export interface StoreLayout {
  root: string;
  blobsDir: string;
  layersDir: string;
  tmpDir: string;
  locksDir: string;
  imagesIndex: string;
  /** Held shared by pulls, exclusively by check/prune/rmi: garbage is only judged when no pull runs. */
  storeLock: string;
  indexLock: string;
}

export function storeLayout(root: string = dataDir()): StoreLayout {
  return {
    root,
    blobsDir: join(root, 'blobs', 'sha256'),
    layersDir: join(root, 'layers'),
    tmpDir: join(root, 'tmp'),
    locksDir: join(root, 'locks'),
    imagesIndex: join(root, 'images.json'),
    storeLock: join(root, 'locks', 'store.lock'),
    indexLock: join(root, 'locks', 'images.lock'),
  };
}

export function blobPath(s: StoreLayout, digest: string): string {
  return join(s.blobsDir, digestHex(digest));
}

/** layers/<chain-id hex>/ holds diff/ (the unpacked tree) and layer.json, written last. */
export function layerDir(s: StoreLayout, chainId: string): string {
  return join(s.layersDir, digestHex(chainId));
}

export function layerDiffDir(s: StoreLayout, chainId: string): string {
  return join(layerDir(s, chainId), 'diff');
}

/** The completeness marker: a layer without it is garbage, never used. */
export function layerRecordPath(s: StoreLayout, chainId: string): string {
  return join(layerDir(s, chainId), 'layer.json');
}

export function layerLockPath(s: StoreLayout, chainId: string): string {
  return join(s.locksDir, `layer-${digestHex(chainId)}.lock`);
}
