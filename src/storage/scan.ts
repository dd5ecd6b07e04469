// What is in the store and what of it is garbage, for `system check|prune|df`. Run under the
// store lock held exclusively, so nothing found here belongs to a pull in flight.
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DigestCounter } from './digest.js';
import { readImageIndex, referencedBlobs, referencedLayers, type ImageIndex } from './image-index.js';
import { layerDir, type StoreLayout } from './layout.js';
import { readLayerRecord, type LayerRecord } from './layers.js';

export interface StoreScan {
  index: ImageIndex;
  blobs: Array<{ digest: string; size: number }>;
  layers: LayerRecord[];
  /** Layer dirs without their completeness marker: left by a killed pull. */
  incompleteLayers: string[];
  /** Complete layers no image uses. */
  orphanLayers: LayerRecord[];
  /** Blobs no image or layer record refers to. */
  orphanBlobs: string[];
  /** tmp/ contents and `.tmp-*` files of interrupted atomic writes. */
  tempGarbage: string[];
  /** Images whose layers or blobs are missing. */
  brokenImages: Array<{ id: string; missing: string[] }>;
}

function list(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}

export function scanStore(s: StoreLayout): StoreScan {
  const index = readImageIndex(s);
  const tempGarbage = list(s.tmpDir).map((n) => join(s.tmpDir, n));
  const blobs: StoreScan['blobs'] = [];
  for (const name of list(s.blobsDir)) {
    const p = join(s.blobsDir, name);
    if (name.startsWith('.tmp-')) tempGarbage.push(p);
    else blobs.push({ digest: `sha256:${name}`, size: statSync(p).size });
  }
  for (const name of list(s.root)) if (name.startsWith('.tmp-')) tempGarbage.push(join(s.root, name));
  const layers: LayerRecord[] = [];
  const incompleteLayers: string[] = [];
  for (const name of list(s.layersDir)) {
    const chainId = `sha256:${name}`;
    if (!/^[a-f0-9]{64}$/.test(name)) {
      incompleteLayers.push(join(s.layersDir, name));
      continue;
    }
    for (const f of list(layerDir(s, chainId))) if (f.startsWith('.tmp-')) tempGarbage.push(join(layerDir(s, chainId), f));
    const rec = readLayerRecord(s, chainId);
    if (rec) layers.push(rec);
    else incompleteLayers.push(layerDir(s, chainId));
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
  return { index, blobs, layers, incompleteLayers, orphanLayers, orphanBlobs, tempGarbage, brokenImages };
}

/** Hashes a stored blob; false when its bytes no longer match its name. */
export async function verifyBlob(path: string, digest: string): Promise<boolean> {
  const c = new DigestCounter();
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) c.update(chunk as Buffer);
  return c.digest() === digest;
}
