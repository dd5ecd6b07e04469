// `nook save`: images from the store into an archive stream, under the store's shared lock so
// that prune cannot take a blob away mid-save. Every blob is streamed, never read whole,
// except configs and manifests (small, and checked against their digests on the way).
import { existsSync } from 'node:fs';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { NookError } from '../../errors.js';
import { readBlob } from '../../storage/blobs.js';
import { readImageIndex, type ImageIndex, type ImageRecord } from '../../storage/image-index.js';
import { blobPath, type StoreLayout } from '../../storage/layout.js';
import { readLayerRecord } from '../../storage/layers.js';
import { withStoreLock } from '../leftovers.js';
import { requireImage } from '../lookup.js';
import { layerCompression, parseManifest } from '../media-types.js';
import { formatReference, parseReference } from '../reference.js';
import { ociLayerType, ociManifest } from './oci-manifest.js';
import { planDockerArchive, planOciArchive, type ArchiveFormat, type SavedImage } from './save-plan.js';
import { tarStream } from './tar-writer.js';
import { sha256Digest } from '../../storage/digest.js';

/** The tag a name asked for, or none when it named an id or a digest (as `docker save` does). */
function requestedTag(image: ImageRecord, name: string): string | undefined {
  try {
    const ref = parseReference(name);
    const tagged = formatReference(ref);
    return !ref.digest && image.repoTags.includes(tagged) ? tagged : undefined;
  } catch {
    return undefined;
  }
}

function savedImage(s: StoreLayout, image: ImageRecord, tags: string[]): SavedImage {
  const name = tags[0] ?? image.id;
  const layers = image.chainIds.map((chainId) => {
    const r = readLayerRecord(s, chainId);
    const file = r && blobPath(s, r.blobDigest);
    if (!r || !file || !existsSync(file)) throw new NookError(`layer ${chainId} of ${name} is missing from the store`, { hint: `run \`nook system check\`, then pull ${name} again` });
    return { mediaType: r.mediaType, digest: r.blobDigest, size: r.blobSize, file };
  });
  const stored = readBlob(s, image.manifestDigest);
  const doc = parseManifest(stored, undefined, image.manifestMediaType, `stored manifest of ${name}`);
  // A layer shared with another image may have been kept from another compression of it: the
  // stored manifest then names a blob the store lacks, and a manifest of nook's own replaces it.
  const same = doc.kind === 'manifest' && doc.layers.length === layers.length && doc.layers.every((l, i) => l.digest === layers[i]!.digest);
  const config = readBlob(s, image.id);
  let manifest = { digest: image.manifestDigest, mediaType: image.manifestMediaType, body: stored };
  if (!same) {
    const body = ociManifest({ digest: image.id, size: config.length }, layers.map((l) => ({ ...l, mediaType: ociLayerType(layerCompression(l.mediaType, `layer ${l.digest}`)) })));
    manifest = { digest: sha256Digest(body), mediaType: 'application/vnd.oci.image.manifest.v1+json', body };
  }
  return { id: image.id, config, manifest, layers, tags };
}

/** The images `names` ask for, each once, with the tags asked for merged. */
export function chooseImages(index: ImageIndex, names: string[]): Array<{ image: ImageRecord; tags: string[] }> {
  const chosen = new Map<string, { image: ImageRecord; tags: string[] }>();
  for (const n of names) {
    const image = requireImage(index, n);
    const entry = chosen.get(image.id) ?? { image, tags: [] };
    const tag = requestedTag(image, n);
    if (tag && !entry.tags.includes(tag)) entry.tags.push(tag);
    chosen.set(image.id, entry);
  }
  return [...chosen.values()];
}

export async function saveImages(s: StoreLayout, names: string[], format: ArchiveFormat, out: Writable): Promise<void> {
  await withStoreLock(s, async () => {
    const images = chooseImages(readImageIndex(s), names).map(({ image, tags }) => savedImage(s, image, tags));
    const entries = format === 'oci-archive' ? planOciArchive(images) : planDockerArchive(images);
    await pipeline(Readable.from(tarStream(entries)), out);
  }, { shared: true });
}
