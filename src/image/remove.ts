// Removing images' data from the store once the index no longer names it: the layers and blobs
// that no remaining image uses. The index is changed first, so a crash in between leaves only
// orphans that `system prune` removes.
import { rmSync } from 'node:fs';
import { blobPath, layerDir, layerLockPath, type StoreLayout } from '../storage/layout.js';
import { referencedBlobs, referencedLayers, type ImageIndex, type ImageRecord } from '../storage/image-index.js';
import { readLayerRecord } from '../storage/layers.js';
import { removeInNamespace } from '../nsworker/run-worker.js';

/** Deletes what `removed` used and `index` (already without them) does not. Returns bytes freed. */
export async function removeUnreferenced(s: StoreLayout, index: ImageIndex, removed: ImageRecord[]): Promise<number> {
  const usedLayers = referencedLayers(index);
  const usedBlobs = referencedBlobs(index);
  for (const c of usedLayers) {
    const rec = readLayerRecord(s, c);
    if (rec) usedBlobs.add(rec.blobDigest);
  }
  const layers = [...new Set(removed.flatMap((i) => i.chainIds))].filter((c) => !usedLayers.has(c));
  let freed = 0;
  const blobs = new Set(removed.flatMap((i) => [i.id, i.manifestDigest]));
  for (const c of layers) {
    const rec = readLayerRecord(s, c);
    if (rec) {
      freed += rec.size;
      blobs.add(rec.blobDigest);
    }
  }
  await removeInNamespace(layers.map((c) => layerDir(s, c)));
  for (const c of layers) rmSync(layerLockPath(s, c), { force: true });
  for (const b of blobs) if (!usedBlobs.has(b)) rmSync(blobPath(s, b), { force: true });
  return freed;
}
