// images.json: every image record and its tags. Read without a lock (it is replaced atomically),
// changed only under the index lock, read-modify-write inside it.
import { existsSync, readFileSync } from 'node:fs';
import { writeJsonAtomic } from './atomic.js';
import { withLock } from './lock.js';
import { NookError } from '../errors.js';
import type { StoreLayout } from './layout.js';

export interface ImageRecord {
  /** The config digest, like Docker's image id. */
  id: string;
  /** Full names: docker.io/library/busybox:latest. */
  repoTags: string[];
  /** Full names with the digest pulled by: docker.io/library/busybox@sha256:... */
  repoDigests: string[];
  manifestDigest: string;
  manifestMediaType: string;
  /** Bottom to top, parallel to diffIds. */
  chainIds: string[];
  diffIds: string[];
  /** Compressed layer bytes, as registries and `docker images` count them. */
  size: number;
  /** Uncompressed bytes of all layers. */
  unpackedSize: number;
  created: string | undefined;
  os: string;
  architecture: string;
  variant: string | undefined;
  pulledAt: string;
}

export interface ImageIndex {
  version: 1;
  images: Record<string, ImageRecord>;
}

export function readImageIndex(s: StoreLayout): ImageIndex {
  if (!existsSync(s.imagesIndex)) return { version: 1, images: {} };
  let parsed: ImageIndex;
  try {
    parsed = JSON.parse(readFileSync(s.imagesIndex, 'utf8')) as ImageIndex;
  } catch {
    throw new NookError(`the image index ${s.imagesIndex} is not valid JSON`, { hint: 'restore it or remove it and pull again' });
  }
  if (parsed.version !== 1 || typeof parsed.images !== 'object') throw new NookError(`the image index ${s.imagesIndex} has an unknown format`);
  return parsed;
}

/** Changes the index under its lock; `change` edits the fresh copy read inside the lock. */
export async function updateImageIndex<T>(s: StoreLayout, change: (index: ImageIndex) => T): Promise<T> {
  return withLock(s.indexLock, () => {
    const index = readImageIndex(s);
    const result = change(index);
    writeJsonAtomic(s.imagesIndex, index, 0o644);
    return result;
  });
}

/** Points `tagged` at image `id`, taking it away from any other image (like docker tag). */
export function setTag(index: ImageIndex, tagged: string, id: string): void {
  for (const img of Object.values(index.images)) {
    if (img.id !== id) img.repoTags = img.repoTags.filter((t) => t !== tagged);
  }
  const img = index.images[id];
  if (img && !img.repoTags.includes(tagged)) img.repoTags.push(tagged);
}

/** Chain ids still used by some image. */
export function referencedLayers(index: ImageIndex): Set<string> {
  const used = new Set<string>();
  for (const img of Object.values(index.images)) for (const c of img.chainIds) used.add(c);
  return used;
}

/** Blobs still used by some image: manifests and configs (layer blobs are in layer records). */
export function referencedBlobs(index: ImageIndex): Set<string> {
  const used = new Set<string>();
  for (const img of Object.values(index.images)) {
    used.add(img.id);
    used.add(img.manifestDigest);
  }
  return used;
}
