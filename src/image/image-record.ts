// The index record of an image whose blobs and layers are in the store, whatever brought them
// (pull, load, import). Pure.
import type { ImageRecord } from '../storage/image-index.js';
import type { LayerRecord } from '../storage/layers.js';
import type { Descriptor, OciImageConfig } from './media-types.js';

export function buildImageRecord(old: ImageRecord | undefined, image: {
  id: string;
  manifestDigest: string;
  manifestMediaType: string;
  chainIds: string[];
  config: OciImageConfig;
  layers: Descriptor[];
  records: LayerRecord[];
  /** `repository@digest` when the image came from a registry. */
  repoDigest?: string | undefined;
}): ImageRecord {
  return {
    id: image.id,
    repoTags: old?.repoTags ?? [],
    repoDigests: [...new Set([...(old?.repoDigests ?? []), ...(image.repoDigest ? [image.repoDigest] : [])])],
    manifestDigest: image.manifestDigest,
    manifestMediaType: image.manifestMediaType,
    chainIds: image.chainIds,
    diffIds: image.config.rootfs.diff_ids,
    size: image.layers.reduce((n, l) => n + l.size, 0),
    unpackedSize: image.records.reduce((n, l) => n + l.size, 0),
    created: image.config.created,
    os: image.config.os,
    architecture: image.config.architecture,
    variant: image.config.variant,
    pulledAt: old?.pulledAt ?? new Date().toISOString(),
  };
}
