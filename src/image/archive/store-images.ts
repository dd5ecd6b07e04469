// Records images whose bytes come from a local source (a loaded archive, an imported tarball)
// in the store the way a pull does: layers through ensureLayer (the verified pipeline and the
// unpack worker), then manifest and config blobs, then the index and tags. The caller holds
// the store's shared lock.
import { createReadStream } from 'node:fs';
import { putBlob } from '../../storage/blobs.js';
import { chainIds } from '../../storage/digest.js';
import { setTag, updateImageIndex, type ImageRecord } from '../../storage/image-index.js';
import type { StoreLayout } from '../../storage/layout.js';
import { buildImageRecord } from '../image-record.js';
import { ensureLayer, mapLimited } from '../layer-store.js';
import type { Descriptor, OciImageConfig } from '../media-types.js';
import type { PullSettings } from '../pull.js';
import type { PullProgress } from '../pull-progress.js';

export interface LocalImage {
  what: string;
  configDigest: string;
  configBody: Buffer;
  config: OciImageConfig;
  manifest: { digest: string; mediaType: string; body: Buffer };
  /** Bottom to top; `file` holds the layer's compressed bytes. */
  layers: Array<{ desc: Descriptor; file: string }>;
  tags: string[];
}

export async function storeLocalImage(s: StoreLayout, img: LocalImage, ctx: {
  limits: PullSettings['limits']; progress: PullProgress; note: (line: string) => void;
}): Promise<ImageRecord> {
  const diffIds = img.config.rootfs.diff_ids;
  const chains = chainIds(diffIds);
  const budget = { remaining: ctx.limits.maxImageBytes, maxImageBytes: ctx.limits.maxImageBytes };
  const records = await mapLimited(img.layers, ctx.limits.pullConcurrency, (l, i, signal) => ensureLayer(s, {
    desc: l.desc, diffId: diffIds[i]!, chainId: chains[i]!, what: `layer ${i + 1} of ${img.what}`,
    open: () => createReadStream(l.file),
  }, { budget, limits: ctx.limits, progress: ctx.progress, note: ctx.note, signal }));
  putBlob(s, img.manifest.digest, img.manifest.body);
  putBlob(s, img.configDigest, img.configBody);
  return updateImageIndex(s, (index) => {
    const id = img.configDigest;
    index.images[id] = buildImageRecord(index.images[id], {
      id, manifestDigest: img.manifest.digest, manifestMediaType: img.manifest.mediaType, chainIds: chains,
      config: img.config, layers: img.layers.map((l) => l.desc), records: records.map((r) => r.record),
    });
    for (const t of img.tags) setTag(index, t, id);
    return index.images[id]!;
  });
}
