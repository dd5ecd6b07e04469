// An OCI image manifest for an image whose manifest nook writes itself (loaded from a
// docker-archive, imported, or saved when the stored manifest's blobs are not all kept). Pure.
import { MT, type Compression, type Descriptor } from '../media-types.js';

const OCI_LAYER: Record<Compression, string> = {
  none: 'application/vnd.oci.image.layer.v1.tar',
  gzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
};

export function ociLayerType(c: Compression): string {
  return OCI_LAYER[c];
}

export function ociManifest(config: { digest: string; size: number }, layers: Descriptor[]): Buffer {
  const doc = {
    schemaVersion: 2,
    mediaType: MT.ociManifest,
    config: { mediaType: MT.ociConfig, digest: config.digest, size: config.size },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
  };
  return Buffer.from(JSON.stringify(doc));
}
