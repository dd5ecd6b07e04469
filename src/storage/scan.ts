// What is in the store and what of it is garbage or damage, for `system check|prune|df`. Run
// under the store lock held exclusively, after the dead processes' leftovers are removed
// (image/leftovers.ts): a layer dir still without its marker is a live writer's, not listed.
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DigestCounter } from './digest.js';
import { readImageIndex, referencedBlobs, referencedLayers, type ImageIndex } from './image-index.js';
import { layerDiffDir, type StoreLayout } from './layout.js';
import { readLayerRecord, type LayerRecord } from './layers.js';

export interface StoreScan {
  index: ImageIndex;
  blobs: Array<{ digest: string; size: number }>;
  layers: LayerRecord[];
  /** Entries of layers/ that no chain id names: not nook's. */
  strayEntries: string[];
  /** Layers marked complete whose tree is gone. */
  damagedLayers: LayerRecord[];
  /** Complete layers no image uses. */
  orphanLayers: LayerRecord[];
  /** Blobs no image or layer record refers to. */
  orphanBlobs: string[];
  /** Images whose layers or blobs are missing. */
  brokenImages: Array<{ id: string; missing: string[] }>;
}

/** The names in `dir`; none when it does not exist yet. */
export function list(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** A layer's directory is named by its chain id's hex; anything else in layers/ is stray. */
export const isLayerDirName = (name: string): boolean => /^[a-f0-9]{64}$/.test(name);

export function scanStore(s: StoreLayout): StoreScan {
  const index = readImageIndex(s);
  const blobs: StoreScan['blobs'] = [];
  // `.tmp-*`: a live writer's (a dead one's are gone)
  for (const name of list(s.blobsDir)) if (!name.startsWith('.tmp-')) blobs.push({ digest: `sha256:${name}`, size: statSync(join(s.blobsDir, name)).size });
  const layers: LayerRecord[] = [];
  const strayEntries: string[] = [];
  const damagedLayers: LayerRecord[] = [];
  for (const name of list(s.layersDir)) {
    if (!isLayerDirName(name)) {
      strayEntries.push(join(s.layersDir, name));
      continue;
    }
    const rec = readLayerRecord(s, `sha256:${name}`);
    if (!rec) continue;
    layers.push(rec);
    if (!statSync(layerDiffDir(s, rec.chainId), { throwIfNoEntry: false })?.isDirectory()) damagedLayers.push(rec);
  }
  const usedLayers = referencedLayers(index);
  const orphanLayers = layers.filter((l) => !usedLayers.has(l.chainId));
  const usedBlobs = referencedBlobs(index);
  // a layer's compressed blob lives as long as an image uses the layer: an orphaned layer's
  // blob is garbage with it, so one prune leaves a clean store
  for (const l of layers) if (usedLayers.has(l.chainId)) usedBlobs.add(l.blobDigest);
  const orphanBlobs = blobs.map((b) => b.digest).filter((d) => !usedBlobs.has(d));
  const haveLayers = new Set(layers.map((l) => l.chainId));
  const haveBlobs = new Set(blobs.map((b) => b.digest));
  const brokenImages: StoreScan['brokenImages'] = [];
  for (const img of Object.values(index.images)) {
    const missing = [
      ...img.chainIds.filter((c) => !haveLayers.has(c)).map((c) => `layer ${c}`),
      ...[img.id, img.manifestDigest].filter((d) => !haveBlobs.has(d)).map((d) => `blob ${d}`),
    ];
    if (missing.length > 0) brokenImages.push({ id: img.id, missing });
  }
  return { index, blobs, layers, strayEntries, damagedLayers, orphanLayers, orphanBlobs, brokenImages };
}

/** Hashes a stored blob; false when its bytes no longer match its name. */
export async function verifyBlob(path: string, digest: string): Promise<boolean> {
  const c = new DigestCounter();
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) c.update(chunk as Buffer);
  return c.digest() === digest;
}
