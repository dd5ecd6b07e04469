// The images an archive holds, read from its docker-archive manifest.json or its OCI layout
// index.json, each checked before anything is trusted: every named file present, every blob
// matching its digest and size, every config matching its manifest.
import { NookError } from '../../errors.js';
import { sha256Digest } from '../../storage/digest.js';
import { MAX_CONFIG_BYTES, MAX_MANIFEST_BYTES, parseImageConfig, parseManifest, sniffCompression, type Descriptor } from '../media-types.js';
import { choosePlatform, formatPlatform, hostPlatform } from '../platform.js';
import { formatReference, parseReference } from '../reference.js';
import type { ArchiveFiles, SpooledFile } from './archive-reader.js';
import { ociLayerType, ociManifest } from './oci-manifest.js';
import type { LocalImage } from './store-images.js';

export function archivedImages(files: ArchiveFiles): LocalImage[] {
  if (files.has('manifest.json')) return dockerArchiveImages(files);
  if (files.has('index.json')) return ociLayoutImages(files);
  throw new NookError('the archive is neither a docker-archive (no manifest.json) nor an OCI image layout (no index.json)', { hint: 'make it with `nook save`, `docker save` or `skopeo copy ... docker-archive:|oci-archive:`' });
}

function parseJson(body: Buffer, what: string): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new NookError(`${what} in the archive is not valid JSON`);
  }
}

function normalisedTag(name: string, what: string): string {
  try {
    return formatReference(parseReference(name));
  } catch {
    throw new NookError(`${what} has the invalid image name "${name}"`);
  }
}

interface DockerArchiveEntry { Config: string; RepoTags?: string[] | null; Layers: string[] }

function dockerArchiveImages(files: ArchiveFiles): LocalImage[] {
  const doc = parseJson(files.read('manifest.json', 'listing', MAX_MANIFEST_BYTES), 'manifest.json');
  const valid = (e: Partial<DockerArchiveEntry>) => typeof e.Config === 'string' && Array.isArray(e.Layers) && e.Layers.every((l) => typeof l === 'string')
    && (e.RepoTags == null || (Array.isArray(e.RepoTags) && e.RepoTags.every((t) => typeof t === 'string')));
  if (!Array.isArray(doc) || doc.length === 0 || !doc.every((e) => e && typeof e === 'object' && valid(e as Partial<DockerArchiveEntry>))) {
    throw new NookError('manifest.json in the archive is not a docker-archive manifest (a list of {Config, RepoTags, Layers})');
  }
  return (doc as DockerArchiveEntry[]).map((e) => {
    const what = e.RepoTags?.[0] ?? e.Config;
    const configBody = files.read(e.Config, 'manifest.json', MAX_CONFIG_BYTES);
    const configDigest = sha256Digest(configBody);
    const config = parseImageConfig(configBody, e.Layers.length, `config ${e.Config} of ${what}`);
    // The layer's own bytes name it; the config's diff ids are what they are checked against.
    const layers = e.Layers.map((name) => {
      const file = files.get(name, 'manifest.json');
      const desc = { mediaType: ociLayerType(sniffCompression(files.head(file))), digest: file.digest, size: file.size };
      return { desc, file: file.path };
    });
    const body = ociManifest({ digest: configDigest, size: configBody.length }, layers.map((l) => l.desc));
    return {
      what, configDigest, configBody, config, layers,
      manifest: { digest: sha256Digest(body), mediaType: 'application/vnd.oci.image.manifest.v1+json', body },
      tags: (e.RepoTags ?? []).map((t) => normalisedTag(t, `manifest.json entry ${e.Config}`)),
    };
  });
}

/** A blob of the layout, checked against its descriptor before it is used. */
function layoutBlob(files: ArchiveFiles, desc: Descriptor, what: string): SpooledFile {
  const file = files.get(`blobs/sha256/${desc.digest.slice(7)}`, `${what}`);
  if (file.digest !== desc.digest || file.size !== desc.size) {
    throw new NookError(`${what}: blob ${desc.digest} does not match its digest: got ${file.digest} (${file.size} bytes, expected ${desc.size})`);
  }
  return file;
}

function layoutDocument(files: ArchiveFiles, desc: Descriptor, what: string, max: number): Buffer {
  if (desc.size > max) throw new NookError(`${what} is ${desc.size} bytes, more than the ${max} allowed`);
  layoutBlob(files, desc, what);
  return files.read(`blobs/sha256/${desc.digest.slice(7)}`, what, max);
}

/** The name an index entry gives its image: a full reference; a bare tag names nothing. */
function refName(annotations: Record<string, string> | undefined): string | undefined {
  const name = annotations?.['io.containerd.image.name'] ?? annotations?.['org.opencontainers.image.ref.name'];
  return name && /[:/]/.test(name) ? name : undefined;
}

function ociLayoutImages(files: ArchiveFiles): LocalImage[] {
  const index = parseManifest(files.read('index.json', 'layout', MAX_MANIFEST_BYTES), undefined, 'application/vnd.oci.image.index.v1+json', 'index.json of the archive');
  if (index.kind !== 'index' || index.manifests.length === 0) throw new NookError('index.json of the archive lists no images');
  const raw = parseJson(files.read('index.json', 'layout', MAX_MANIFEST_BYTES), 'index.json') as { manifests: Array<{ annotations?: Record<string, string> }> };
  const byDigest = new Map<string, LocalImage>();
  index.manifests.forEach((top, i) => {
    const name = refName(raw.manifests[i]?.annotations);
    const what = name ?? `index.json entry ${i}`;
    let desc = top;
    let body = layoutDocument(files, desc, `manifest of ${what}`, MAX_MANIFEST_BYTES);
    let doc = parseManifest(body, undefined, desc.mediaType, `manifest of ${what}`);
    if (doc.kind === 'index') {
      const chosen = choosePlatform(doc.manifests, hostPlatform());
      if (!chosen) throw new NookError(`${what} in the archive has no image for ${formatPlatform(hostPlatform())}`);
      desc = chosen;
      body = layoutDocument(files, desc, `manifest of ${what}`, MAX_MANIFEST_BYTES);
      doc = parseManifest(body, undefined, desc.mediaType, `manifest of ${what}`);
      if (doc.kind !== 'manifest') throw new NookError(`${what} in the archive nests indexes, which is not supported`);
    }
    const image: LocalImage = byDigest.get(desc.digest) ?? (() => {
      const m = doc as Extract<typeof doc, { kind: 'manifest' }>;
      const configBody = layoutDocument(files, m.config, `config of ${what}`, MAX_CONFIG_BYTES);
      return {
        what, configDigest: m.config.digest, configBody,
        config: parseImageConfig(configBody, m.layers.length, `config of ${what}`),
        manifest: { digest: desc.digest, mediaType: m.mediaType, body },
        layers: m.layers.map((l, n) => ({ desc: l, file: layoutBlob(files, l, `layer ${n + 1} of ${what}`).path })),
        tags: [],
      };
    })();
    if (name) image.tags.push(normalisedTag(name, `index.json entry ${i}`));
    byDigest.set(desc.digest, image);
  });
  return [...byDigest.values()];
}
