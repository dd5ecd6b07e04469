// `nook import`: a flat root file system tarball (plain or gzip) becomes a one-layer image.
// First pass: the bytes go into a blob while their digest and the tar's diff id are counted.
// Then the layer goes through the same verified unpack as any pulled layer.
import { rmSync } from 'node:fs';
import { Transform, Writable, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { NookError } from '../../errors.js';
import { BlobWriter } from '../../storage/blobs.js';
import { DigestCounter, sha256Digest } from '../../storage/digest.js';
import type { ImageRecord } from '../../storage/image-index.js';
import { blobPath, type StoreLayout } from '../../storage/layout.js';
import { withStoreLock } from '../leftovers.js';
import { readLayerRecord } from '../../storage/layers.js';
import { LAYER_LOCK_TIMEOUT_MS } from '../layer-store.js';
import { sniffCompression, type Compression, type OciImageConfig } from '../media-types.js';
import { hostPlatform } from '../platform.js';
import type { PullSettings } from '../pull.js';
import { silentProgress } from '../pull-progress.js';
import { applyChange } from './changes.js';
import { gunzipIfNeeded, isZlibError } from './gunzip.js';
import { ociLayerType, ociManifest } from './oci-manifest.js';
import { storeLocalImage } from './store-images.js';

export interface ImportOptions {
  /** Full name to tag the image with. */
  tag: string | undefined;
  changes: string[];
  message: string | undefined;
  limits: PullSettings['limits'];
  note: (line: string) => void;
}

/** The image config of an import: this machine's platform, the changes, one layer. Pure. */
export function importConfig(diffId: string, config: NonNullable<OciImageConfig['config']>, message: string | undefined, created: string): OciImageConfig {
  const p = hostPlatform();
  return {
    created, architecture: p.architecture, os: p.os, ...(p.variant ? { variant: p.variant } : {}),
    config, rootfs: { type: 'layers', diff_ids: [diffId] },
    history: [{ created, created_by: 'nook import', ...(message ? { comment: message } : {}) }],
  };
}

/** Stores the tarball's bytes as a blob; returns its descriptor parts and the tar's diff id. */
async function storeTarball(s: StoreLayout, input: Readable): Promise<{ digest: string; size: number; compression: Compression; diffId: string }> {
  const blob = new BlobWriter(s);
  const raw = new DigestCounter();
  const tar = new DigestCounter();
  let compression: Compression | undefined;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      compression ??= sniffCompression(chunk);
      if (compression === 'zstd') return cb(new NookError('the tarball is zstd-compressed; nook import reads plain or gzip tarballs', { hint: 'decompress it first: zstd -d' }));
      raw.update(chunk);
      try {
        blob.write(chunk); // a full disk throws here, where a stream would not catch it
      } catch (err) {
        return cb(err as Error);
      }
      cb(null, chunk);
    },
  });
  const count = new Writable({
    write(chunk: Buffer, _enc, cb) {
      tar.update(chunk);
      cb();
    },
  });
  try {
    await pipeline(input, tap, gunzipIfNeeded, count);
    if (raw.bytes === 0) throw new NookError('the tarball is empty');
    const digest = raw.digest();
    blob.commit(digest, raw.bytes);
    return { digest, size: raw.bytes, compression: compression ?? 'none', diffId: tar.digest() };
  } catch (err) {
    blob.abort();
    if (isZlibError(err)) throw new NookError(`the tarball's gzip data is damaged: ${err.message}`);
    throw err;
  }
}

export async function importTarball(s: StoreLayout, input: Readable, opts: ImportOptions): Promise<ImageRecord> {
  const created = new Date().toISOString();
  const runConfig = opts.changes.reduce(applyChange, {}); // a bad --change fails before any reading
  return withStoreLock(s, async () => {
    const layer = await storeTarball(s, input);
    const config = importConfig(layer.diffId, runConfig, opts.message, created);
    const configBody = Buffer.from(JSON.stringify(config));
    const configDigest = sha256Digest(configBody);
    const desc = { mediaType: ociLayerType(layer.compression), digest: layer.digest, size: layer.size };
    const body = ociManifest({ digest: configDigest, size: configBody.length }, [desc]);
    let image: ImageRecord;
    try {
      image = await storeLocalImage(s, {
        what: opts.tag ?? 'the imported tarball', configDigest, configBody, config,
        manifest: { digest: sha256Digest(body), mediaType: 'application/vnd.oci.image.manifest.v1+json', body },
        layers: [{ desc, file: blobPath(s, layer.digest) }], tags: opts.tag ? [opts.tag] : [],
      }, { limits: opts.limits, progress: silentProgress, note: opts.note });
    } catch (err) {
      rmSync(blobPath(s, layer.digest), { force: true }); // a refused tarball leaves no blob behind
      throw err;
    }
    // The same tree imported before (say, gzipped then) keeps the blob it was unpacked from.
    if (readLayerRecord(s, image.chainIds[0]!)?.blobDigest !== layer.digest) rmSync(blobPath(s, layer.digest), { force: true });
    return image;
  }, { shared: true, timeoutMs: LAYER_LOCK_TIMEOUT_MS });
}
