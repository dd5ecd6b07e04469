// Manifests, indexes and configs as the OCI and Docker specs define them, checked before use:
// a document that is not what it claims (by Content-Type, by its descriptor or by its own
// mediaType field) is refused with one line. Pure.
import { NookError } from '../errors.js';
import { isDigest } from '../storage/digest.js';
import type { OciContainerConfig } from '../core/image-config.js';

export const MT = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
} as const;

/** The Accept header for manifest requests: every form we can read. */
export const MANIFEST_ACCEPT = [MT.ociIndex, MT.ociManifest, MT.dockerList, MT.dockerManifest].join(', ');

export type Compression = 'gzip' | 'zstd' | 'none';

const LAYER_TYPES: Record<string, Compression> = {
  'application/vnd.oci.image.layer.v1.tar': 'none',
  'application/vnd.oci.image.layer.v1.tar+gzip': 'gzip',
  'application/vnd.oci.image.layer.v1.tar+zstd': 'zstd',
  'application/vnd.oci.image.layer.nondistributable.v1.tar': 'none',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip': 'gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd': 'zstd',
  'application/vnd.docker.image.rootfs.diff.tar.gzip': 'gzip',
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip': 'gzip',
  'application/vnd.docker.image.rootfs.diff.tar': 'none',
};

/** Manifests and configs are read whole; a bound keeps a hostile registry from filling memory. */
export const MAX_MANIFEST_BYTES = 4 << 20;
export const MAX_CONFIG_BYTES = 8 << 20;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform | undefined;
  urls?: string[] | undefined;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string | undefined;
}

export type ManifestDoc =
  | { kind: 'index'; mediaType: string; manifests: Descriptor[] }
  | { kind: 'manifest'; mediaType: string; config: Descriptor; layers: Descriptor[] };

export interface OciImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  created?: string;
  author?: string;
  config?: OciContainerConfig;
  rootfs: { type: string; diff_ids: string[] };
  history?: Array<{ created?: string; created_by?: string; author?: string; comment?: string; empty_layer?: boolean }>;
}

export function layerCompression(mediaType: string, what: string): Compression {
  const c = LAYER_TYPES[mediaType];
  if (!c) throw new NookError(`${what} has the unsupported layer media type "${mediaType}"`);
  return c;
}

/** What the first bytes of a layer say it is: catches a layer whose media type lies. */
export function sniffCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

function baseType(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase() || undefined;
}

function descriptor(v: unknown, what: string): Descriptor {
  const d = v as Partial<Descriptor> | null;
  if (!d || typeof d !== 'object' || typeof d.mediaType !== 'string' || typeof d.digest !== 'string' || !isDigest(d.digest)
    || typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) {
    throw new NookError(`${what} has a malformed descriptor (needs mediaType, a sha256 digest and a size)`);
  }
  return { mediaType: d.mediaType, digest: d.digest, size: d.size, platform: d.platform, urls: d.urls };
}

/**
 * Parses a manifest or index. `contentType` is the registry's header; `expected` is the media type
 * of the descriptor that pointed here (undefined when fetched by tag).
 */
export function parseManifest(body: Buffer, contentType: string | undefined, expected: string | undefined, what: string): ManifestDoc {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new NookError(`${what} is not valid JSON`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new NookError(`${what} is not a JSON object`);
  if (doc['schemaVersion'] !== 2) throw new NookError(`${what} has schemaVersion ${String(doc['schemaVersion'])}; only schema 2 (OCI and Docker v2) is supported`);
  const declared = typeof doc['mediaType'] === 'string' ? doc['mediaType'] : undefined;
  const header = baseType(contentType);
  const hasManifests = Array.isArray(doc['manifests']);
  const hasLayers = Array.isArray(doc['layers']) || typeof doc['config'] === 'object';
  // OCI allows mediaType to be absent: then the structure and the header decide.
  const mediaType = declared ?? expected ?? (header && header !== 'application/json' ? header : hasManifests ? MT.ociIndex : MT.ociManifest);
  for (const [claim, source] of [[header, 'the registry says'], [expected, 'its descriptor says']] as const) {
    if (claim && claim !== 'application/json' && (claim === MT.ociIndex || claim === MT.ociManifest || claim === MT.dockerList || claim === MT.dockerManifest) && claim !== mediaType) {
      throw new NookError(`${what} is a ${mediaType} but ${source} ${claim}: refusing a manifest that is not what it claims`);
    }
  }
  if (mediaType === MT.ociIndex || mediaType === MT.dockerList) {
    if (!hasManifests || hasLayers) throw new NookError(`${what} claims to be an index (${mediaType}) but has no "manifests" list`);
    const manifests = (doc['manifests'] as unknown[]).map((m, i) => descriptor(m, `${what} entry ${i}`));
    return { kind: 'index', mediaType, manifests };
  }
  if (mediaType === MT.ociManifest || mediaType === MT.dockerManifest) {
    if (hasManifests || !Array.isArray(doc['layers'])) throw new NookError(`${what} claims to be an image manifest (${mediaType}) but has no "layers" list`);
    const config = descriptor(doc['config'], `${what} config`);
    if (config.mediaType !== MT.ociConfig && config.mediaType !== MT.dockerConfig) {
      throw new NookError(`${what} points at a config of type "${config.mediaType}", which is not a container image (an artifact?)`);
    }
    const layers = (doc['layers'] as unknown[]).map((l, i) => descriptor(l, `${what} layer ${i}`));
    layers.forEach((l, i) => layerCompression(l.mediaType, `${what} layer ${i}`));
    return { kind: 'manifest', mediaType, config, layers };
  }
  throw new NookError(`${what} has the unsupported media type "${mediaType}"`);
}

/** Parses an image config and checks that it matches the manifest that named it. */
export function parseImageConfig(body: Buffer, layerCount: number, what: string): OciImageConfig {
  let c: OciImageConfig;
  try {
    c = JSON.parse(body.toString('utf8')) as OciImageConfig;
  } catch {
    throw new NookError(`${what} is not valid JSON`);
  }
  if (!c || typeof c !== 'object' || typeof c.os !== 'string' || typeof c.architecture !== 'string') {
    throw new NookError(`${what} is not an image config (no os/architecture)`);
  }
  if (!c.rootfs || c.rootfs.type !== 'layers' || !Array.isArray(c.rootfs.diff_ids) || !c.rootfs.diff_ids.every((d) => typeof d === 'string' && isDigest(d))) {
    throw new NookError(`${what} has no valid rootfs.diff_ids`);
  }
  if (c.rootfs.diff_ids.length !== layerCount) {
    throw new NookError(`${what} lists ${c.rootfs.diff_ids.length} layer diff ids but the manifest has ${layerCount} layers`);
  }
  return c;
}
