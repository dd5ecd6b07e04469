// Bringing one layer into the store from any source of its compressed bytes (a registry, an
// archive being loaded, a tarball being imported): one shell at a time per layer, skipped when
// it is already complete, unpacked through the verified pipeline, marked complete last.
import { createReadStream, existsSync, mkdirSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { withLock } from '../storage/lock.js';
import { BlobWriter, hasBlob } from '../storage/blobs.js';
import { blobPath, layerDiffDir, layerDir, layerLockPath, type StoreLayout } from '../storage/layout.js';
import { isLayerComplete, markLayerComplete, readLayerRecord, type LayerRecord } from '../storage/layers.js';
import type { Descriptor } from './media-types.js';
import { unpackLayerStream, type LayerLimits } from './layer-pipeline.js';
import { removeInNamespace } from '../nsworker/run-worker.js';
import type { PullProgress } from './pull-progress.js';

/** Waiting for another shell's pull of the same layer may take as long as that download. */
export const LAYER_LOCK_TIMEOUT_MS = 60 * 60 * 1000;

export interface LayerJob {
  desc: Descriptor;
  diffId: string;
  chainId: string;
  /** Names the layer in errors: `layer sha256:... (2) of docker.io/library/busybox:latest`. */
  what: string;
  /** Opens the compressed bytes; only called when the blob is not already stored. A source that
   * can fail midway (a registry) retries and resumes inside this stream. */
  open: () => Readable;
}

export interface LayerContext {
  budget: LayerLimits['imageBudget'];
  limits: Omit<LayerLimits, 'imageBudget'>;
  progress: PullProgress;
  note: (line: string) => void;
  signal: AbortSignal;
}

export async function ensureLayer(s: StoreLayout, job: LayerJob, ctx: LayerContext): Promise<{ record: LayerRecord; fresh: boolean }> {
  const short = job.desc.digest.slice(7, 19);
  ctx.progress.layerQueued(short, job.desc.size);
  return withLock(layerLockPath(s, job.chainId), async () => {
    const existing = isLayerComplete(s, job.chainId) ? readLayerRecord(s, job.chainId) : undefined;
    if (existing) {
      ctx.budget.remaining -= existing.size;
      ctx.progress.layerDone(short, 'Already exists');
      return { record: existing, fresh: false };
    }
    ctx.signal.throwIfAborted();
    // Whatever is here lacks its marker: left by a killed pull. We hold the lock, so nobody writes it.
    if (existsSync(layerDir(s, job.chainId))) await removeInNamespace([layerDir(s, job.chainId)]);
    mkdirSync(layerDiffDir(s, job.chainId), { recursive: true, mode: 0o755 });
    const stored = hasBlob(s, job.desc.digest);
    const blob = stored ? undefined : new BlobWriter(s);
    const budgetBefore = ctx.budget.remaining;
    try {
      const source = stored ? createReadStream(blobPath(s, job.desc.digest)) : job.open();
      const out = await unpackLayerStream({
        source, desc: job.desc, diffId: job.diffId, diffDir: layerDiffDir(s, job.chainId), blob,
        limits: { ...ctx.limits, imageBudget: ctx.budget },
        onBytes: (n) => ctx.progress.layerBytes(short, n), signal: ctx.signal, what: job.what,
      });
      blob?.commit(job.desc.digest, job.desc.size);
      const record: LayerRecord = {
        chainId: job.chainId, diffId: job.diffId, blobDigest: job.desc.digest, blobSize: job.desc.size,
        mediaType: job.desc.mediaType, size: out.size, completedAt: new Date().toISOString(),
      };
      markLayerComplete(s, record);
      for (const n of out.notes) ctx.note(`${short}: ${n}`);
      ctx.progress.layerDone(short, 'Pull complete');
      return { record, fresh: true };
    } catch (err) {
      blob?.abort();
      ctx.budget.remaining = budgetBefore;
      await removeInNamespace([layerDir(s, job.chainId)]);
      throw err;
    }
  }, { timeoutMs: LAYER_LOCK_TIMEOUT_MS });
}

/** Runs `fn` over items with at most `limit` at once; the first failure aborts the rest. */
export async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T, i: number, signal: AbortSignal) => Promise<R>): Promise<R[]> {
  const ac = new AbortController();
  const results: R[] = new Array(items.length);
  let next = 0;
  let firstError: unknown;
  const lane = async () => {
    while (next < items.length && !ac.signal.aborted) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!, i, ac.signal);
      } catch (err) {
        if (firstError === undefined) firstError = err;
        ac.abort();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (firstError !== undefined) throw firstError;
  return results;
}
