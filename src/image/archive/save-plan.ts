// What `nook save` writes, as a list of archive entries: Docker's `docker save` layout
// (manifest.json, repositories, <config>.json, one tar per layer) or an OCI image layout
// (oci-layout, index.json, blobs/sha256/...). Layers are the store's compressed blobs as they
// are; docker and skopeo both detect a layer's compression. Pure.
import { MT, type Descriptor } from '../media-types.js';
import { familiarName, splitTagged } from '../reference.js';
import type { ArchiveEntry } from './tar-writer.js';

export type ArchiveFormat = 'docker-archive' | 'oci-archive';

export interface SavedImage {
  id: string;
  config: Buffer;
  /** The manifest to put in an OCI layout (its layers are the ones below). */
  manifest: { digest: string; mediaType: string; body: Buffer };
  /** Bottom to top, each with a blob file in the store. */
  layers: Array<Descriptor & { file: string }>;
  /** Full names (docker.io/library/busybox:latest); empty for an image saved by id. */
  tags: string[];
}

const hex = (digest: string): string => digest.slice('sha256:'.length);

/** Each name once: two images sharing a layer carry it once. */
function unique(entries: ArchiveEntry[]): ArchiveEntry[] {
  const seen = new Set<string>();
  return entries.filter((e) => !seen.has(e.name) && seen.add(e.name));
}

export function planDockerArchive(images: SavedImage[]): ArchiveEntry[] {
  const entries: ArchiveEntry[] = [];
  const manifest: Array<{ Config: string; RepoTags: string[] | null; Layers: string[] }> = [];
  const repositories: Record<string, Record<string, string>> = {};
  for (const img of images) {
    const layerNames = img.layers.map((l) => `${hex(l.digest)}/layer.tar`);
    img.layers.forEach((l, i) => entries.push(
      { name: `${hex(l.digest)}/`, size: 0, source: { directory: true } },
      { name: layerNames[i]!, size: l.size, source: { file: l.file } },
    ));
    entries.push({ name: `${hex(img.id)}.json`, size: img.config.length, source: { data: img.config } });
    const repoTags = img.tags.map((t) => {
      const { repository, tag } = splitTagged(t);
      return `${familiarName(repository)}:${tag}`;
    });
    manifest.push({ Config: `${hex(img.id)}.json`, RepoTags: repoTags.length ? repoTags : null, Layers: layerNames });
    // The legacy file names the directory of each tag's top layer, as Docker's does.
    const top = layerNames.at(-1)?.split('/')[0];
    for (const t of repoTags) {
      const c = t.lastIndexOf(':');
      if (top) (repositories[t.slice(0, c)] ??= {})[t.slice(c + 1)] = top;
    }
  }
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));
  const manifestJson = json(manifest);
  const repositoriesJson = json(repositories);
  return unique([
    ...entries,
    { name: 'manifest.json', size: manifestJson.length, source: { data: manifestJson } },
    { name: 'repositories', size: repositoriesJson.length, source: { data: repositoriesJson } },
  ]);
}

export function planOciArchive(images: SavedImage[]): ArchiveEntry[] {
  const blob = (digest: string) => `blobs/sha256/${hex(digest)}`;
  const entries: ArchiveEntry[] = [];
  const index: Array<Record<string, unknown>> = [];
  for (const img of images) {
    for (const l of img.layers) entries.push({ name: blob(l.digest), size: l.size, source: { file: l.file } });
    entries.push({ name: blob(img.id), size: img.config.length, source: { data: img.config } });
    entries.push({ name: blob(img.manifest.digest), size: img.manifest.body.length, source: { data: img.manifest.body } });
    const desc = { mediaType: img.manifest.mediaType, digest: img.manifest.digest, size: img.manifest.body.length };
    if (img.tags.length === 0) index.push(desc);
    for (const t of img.tags) index.push({ ...desc, annotations: { 'org.opencontainers.image.ref.name': t } });
  }
  const layout = Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const indexJson = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MT.ociIndex, manifests: index }));
  return unique([
    { name: 'oci-layout', size: layout.length, source: { data: layout } },
    { name: 'blobs/', size: 0, source: { directory: true } },
    { name: 'blobs/sha256/', size: 0, source: { directory: true } },
    ...entries,
    { name: 'index.json', size: indexJson.length, source: { data: indexJson } },
  ]);
}
