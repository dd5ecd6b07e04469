// Finding a local image by what a user types: a name (normalised), name@digest, or an id prefix.
// Pure over the index.
import { NookError } from '../errors.js';
import type { ImageIndex, ImageRecord } from '../storage/image-index.js';
import { formatReference, looksLikeIdPrefix, parseReference, repositoryName } from './reference.js';

export function findImage(index: ImageIndex, nameOrId: string): ImageRecord | undefined {
  const images = Object.values(index.images);
  let ref;
  try {
    ref = parseReference(nameOrId);
  } catch {
    ref = undefined;
  }
  if (ref) {
    const repo = repositoryName(ref);
    const hit = ref.digest
      ? images.find((i) => i.repoDigests.includes(`${repo}@${ref.digest}`) || (i.manifestDigest === ref.digest && i.repoDigests.some((d) => d.startsWith(repo + '@'))))
      : images.find((i) => i.repoTags.includes(formatReference(ref)));
    if (hit) return hit;
  }
  if (!looksLikeIdPrefix(nameOrId)) return undefined;
  const prefix = nameOrId.startsWith('sha256:') ? nameOrId : `sha256:${nameOrId}`;
  const matches = images.filter((i) => i.id.startsWith(prefix));
  if (matches.length > 1) throw new NookError(`image id prefix "${nameOrId}" is ambiguous (${matches.length} images)`, { hint: 'give more digits' });
  return matches[0];
}

export function requireImage(index: ImageIndex, nameOrId: string): ImageRecord {
  const img = findImage(index, nameOrId);
  if (!img) throw new NookError(`No such image: ${nameOrId}`, { hint: 'see `nook images`, or `nook pull` it' });
  return img;
}

export function shortId(id: string): string {
  return id.slice(7, 19);
}
