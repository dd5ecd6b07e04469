// Unpacked layers: layers/<chain-id>/diff plus layer.json, the marker written last. A layer dir
// without its marker is garbage from a killed pull: never used, removed by the next pull or prune.
import { existsSync, readFileSync } from 'node:fs';
import { writeJsonAtomic } from './atomic.js';
import { layerRecordPath, type StoreLayout } from './layout.js';

export interface LayerRecord {
  chainId: string;
  diffId: string;
  /** The compressed blob it was unpacked from (kept in blobs/ for save). */
  blobDigest: string;
  blobSize: number;
  mediaType: string;
  /** Uncompressed tar size. */
  size: number;
  completedAt: string;
}

export function readLayerRecord(s: StoreLayout, chainId: string): LayerRecord | undefined {
  const p = layerRecordPath(s, chainId);
  if (!existsSync(p)) return undefined;
  return JSON.parse(readFileSync(p, 'utf8')) as LayerRecord;
}

export function isLayerComplete(s: StoreLayout, chainId: string): boolean {
  return existsSync(layerRecordPath(s, chainId));
}

export function markLayerComplete(s: StoreLayout, record: LayerRecord): void {
  writeJsonAtomic(layerRecordPath(s, record.chainId), record, 0o644);
}
