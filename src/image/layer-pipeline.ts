// One pass per layer: compressed bytes -> sha256 and size (and the blob file) -> decompress ->
// sha256 of the tar (the diffID) and the size limits -> the unpack worker's stdin. Streamed, never
// buffered whole. The caller marks the layer complete only when this resolves. The expansion
// ratio and the free space are checked here, where both byte counts live in one process: a
// compressed chunk is always counted before any byte decompressed from it.
import { spawn } from 'node:child_process';
import { Duplex, PassThrough, Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { NookError } from '../errors.js';
import { DigestCounter } from '../storage/digest.js';
import { freeBytes } from '../storage/disk-space.js';
import type { BlobWriter } from '../storage/blobs.js';
import { layerCompression, sniffCompression, type Compression, type Descriptor } from './media-types.js';
import { startWorker, workerDone } from '../nsworker/run-worker.js';
import { FREE_SPACE_CHECK_BYTES, expansionRefusal, freeSpaceRefusal, type DiskLimits } from './unpack-limits.js';

export interface LayerLimits extends DiskLimits {
  /** Enforced by the worker, which can name the entry that crossed it. */
  maxLayerBytes: number;
  /** Shared by all layers of one pull: stops a bomb spread over many layers. */
  imageBudget: { remaining: number; maxImageBytes: number };
}

export interface UnpackedLayer {
  size: number;
  notes: string[];
}

export async function unpackLayerStream(opts: {
  source: Readable;
  desc: Descriptor;
  diffId: string;
  diffDir: string;
  /** Where to keep the compressed bytes; undefined when the blob is already stored. */
  blob: BlobWriter | undefined;
  limits: LayerLimits;
  onBytes: (n: number) => void;
  signal: AbortSignal;
  what: string;
}): Promise<UnpackedLayer> {
  const { desc, what } = opts;
  const claimed = layerCompression(desc.mediaType, what);
  // The blob being kept hashes what it is given: that digest is the one checked here too.
  const compressed = opts.blob?.counter ?? new DigestCounter();
  const uncompressed = new DigestCounter();
  let sniffed = false;
  const limits = opts.limits;
  const lowOnSpace = (needed: number) => {
    const why = freeSpaceRefusal(freeBytes(opts.diffDir), needed, limits.minFreeBytes);
    return why === undefined ? undefined : new NookError(`${what}: ${why}`);
  };
  // Before any byte is written: the blob (unless stored) and at least as many unpacked bytes.
  const early = lowOnSpace(opts.blob ? 2 * desc.size : desc.size);
  if (early) {
    opts.source.destroy();
    throw early;
  }
  let nextSpaceCheck = FREE_SPACE_CHECK_BYTES;

  const compressedTap = new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      if (!sniffed) {
        sniffed = true;
        const actual = sniffCompression(chunk);
        if (actual !== claimed) return cb(new NookError(`${what} is ${describe(actual)} but its media type ${desc.mediaType} says ${describe(claimed)}: refusing a layer that is not what it claims`));
      }
      if (compressed.bytes + chunk.length > desc.size) return cb(new NookError(`${what} is larger than the ${desc.size} bytes its manifest says`));
      try {
        if (opts.blob) opts.blob.write(chunk); // a full disk throws here, where a stream would not catch it
        else compressed.update(chunk);
      } catch (err) {
        return cb(err as Error);
      }
      opts.onBytes(chunk.length);
      cb(null, chunk);
    },
  });
  const budget = opts.limits.imageBudget;
  const overBudget = () => new NookError(`the image unpacks to more than limits.maxImageBytes (${budget.maxImageBytes} bytes)`, { hint: 'raise limits.maxImageBytes in the nook config if the image is genuine' });
  const uncompressedTap = new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      uncompressed.update(chunk);
      budget.remaining -= chunk.length;
      if (budget.remaining < 0) return cb(overBudget());
      const bomb = expansionRefusal(uncompressed.bytes, compressed.bytes, limits.maxExpansionRatio);
      if (bomb) return cb(new NookError(`${what}: ${bomb}`));
      if (uncompressed.bytes >= nextSpaceCheck) {
        nextSpaceCheck = uncompressed.bytes + FREE_SPACE_CHECK_BYTES;
        const low = lowOnSpace(0);
        if (low) return cb(low);
      }
      cb(null, chunk);
    },
  });

  const worker = startWorker(['unpack', opts.diffDir, String(opts.limits.maxLayerBytes)], ['pipe', 'ignore']);
  const done = workerDone(worker);
  let streamError: unknown;
  try {
    await pipeline(opts.source, compressedTap, decompressor(claimed), uncompressedTap, worker.stdin!, { signal: opts.signal });
  } catch (err) {
    streamError = err;
    worker.stdin?.destroy();
  }
  const result = await done;
  // Our own checks come first: a worker that failed because we cut its input would only say
  // "truncated"; but a worker that refused an entry (and so stopped reading) says why.
  if (streamError instanceof NookError && !(result.code !== 0 && result.error?.startsWith('layer entry'))) throw streamError;
  if (result.code !== 0) {
    throw new NookError(`${what}: ${result.error ?? `unpack worker ended with ${result.signal ?? `exit ${result.code}`}`}`);
  }
  if (streamError) throw new NookError(`${what}: download failed: ${(streamError as Error).message}`);
  const gotDigest = compressed.digest();
  if (gotDigest !== desc.digest || compressed.bytes !== desc.size) {
    throw new NookError(`${what} does not match its digest: expected ${desc.digest} (${desc.size} bytes), got ${gotDigest} (${compressed.bytes} bytes)`);
  }
  const gotDiffId = uncompressed.digest();
  if (gotDiffId !== opts.diffId) throw new NookError(`${what} does not match the image config's diff id: expected ${opts.diffId}, got ${gotDiffId}`);
  // The holes of sparse files count against the image's limit too (the worker counted them).
  const size = Math.max(result.size ?? 0, uncompressed.bytes);
  budget.remaining -= size - uncompressed.bytes;
  if (budget.remaining < 0) throw overBudget();
  return { size, notes: result.notes };
}

function describe(c: Compression): string {
  return c === 'none' ? 'an uncompressed tar' : `${c} data`;
}

function decompressor(c: Compression): Duplex {
  if (c === 'gzip') return createGunzip({ chunkSize: 256 * 1024 });
  if (c === 'none') return new PassThrough();
  // Node 20's zlib has no zstd; the zstd program streams at several hundred MB/s and is in
  // every distribution (Debian: zstd), so no native npm module is needed.
  const child = spawn('zstd', ['-dcq'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  const duplex = Duplex.from({ writable: child.stdin, readable: child.stdout });
  child.on('error', (e: NodeJS.ErrnoException) => duplex.destroy(e.code === 'ENOENT'
    ? new NookError('this image has zstd-compressed layers and the zstd program is missing', { hint: 'install it: apt install zstd' })
    : e));
  child.on('close', (code) => {
    if (code !== 0 && code !== null) duplex.destroy(new NookError(`zstd could not decompress the layer: ${err.trim().split('\n')[0] ?? `exit ${code}`}`));
  });
  return duplex;
}
