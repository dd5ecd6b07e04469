// `nook pull`: resolve the reference to one image manifest for the platform, verify manifest and
// config, then bring every layer into the store (download, verify, unpack; skip what is there),
// and record the image and its tag. Runs under the store's shared lock, so check/prune never
// judge a pull in flight as garbage.
import { NookError } from '../errors.js';
import { withStoreLock } from './leftovers.js';
import { hasBlob, putBlob, readBlob } from '../storage/blobs.js';
import { chainIds, sha256Digest } from '../storage/digest.js';
import type { StoreLayout } from '../storage/layout.js';
import { setTag, updateImageIndex, type ImageRecord } from '../storage/image-index.js';
import { MANIFEST_ACCEPT, MAX_CONFIG_BYTES, MAX_MANIFEST_BYTES, parseImageConfig, parseManifest, type Descriptor, type OciImageConfig, type Platform } from './media-types.js';
import { choosePlatform, formatPlatform } from './platform.js';
import { formatReference, parseReference, repositoryName, type ImageReference } from './reference.js';
import { RegistryClient } from './registry/client.js';
import type { RegistrySettings } from './registry/endpoints.js';
import type { Timeouts } from './registry/retry.js';
import { ensureLayer, mapLimited, LAYER_LOCK_TIMEOUT_MS } from './layer-store.js';
import { buildImageRecord } from './image-record.js';
import type { PullProgress } from './pull-progress.js';

export interface PullSettings {
  registries: RegistrySettings;
  limits: { maxLayerBytes: number; maxImageBytes: number; maxExpansionRatio: number; minFreeBytes: number; pullConcurrency: number };
  timeouts: Timeouts;
}

export interface PullOptions {
  platform: Platform;
  /** True when the user named the platform: a config for another one is then an error. */
  platformExplicit: boolean;
  settings: PullSettings;
  progress: PullProgress;
  note: (line: string) => void;
}

export interface PullResult {
  image: ImageRecord;
  config: OciImageConfig;
  /** The digest the reference resolved to (an index or a manifest). */
  digest: string;
  /** False when every layer was already in the store and the image was known. */
  downloaded: boolean;
}

interface Resolved {
  digest: string;
  manifestDigest: string;
  manifestBody: Buffer;
  manifestMediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  platformClaim: Platform | undefined;
}

export async function pullImage(s: StoreLayout, input: string, opts: PullOptions): Promise<PullResult> {
  const ref = parseReference(input);
  const name = formatReference(ref);
  const client = new RegistryClient(ref.domain, opts.settings.registries, opts.settings.timeouts);
  const r = await resolveManifest(client, ref, opts);
  const configBody = hasBlob(s, r.config.digest) ? readBlob(s, r.config.digest) : await fetchVerified(client, ref.path, r.config, MAX_CONFIG_BYTES, `config ${r.config.digest} of ${name}`);
  const config = parseImageConfig(configBody, r.layers.length, `config ${r.config.digest} of ${name}`);
  checkPlatform(config, r.platformClaim, opts, name);
  const diffIds = config.rootfs.diff_ids;
  const chains = chainIds(diffIds);

  return withStoreLock(s, async () => {
    const budget = { remaining: opts.settings.limits.maxImageBytes, maxImageBytes: opts.settings.limits.maxImageBytes };
    const records = await mapLimited(r.layers, opts.settings.limits.pullConcurrency, (desc, i, signal) => {
      const what = `layer ${desc.digest} (${i + 1}) of ${name}`;
      return ensureLayer(s, {
        desc, diffId: diffIds[i]!, chainId: chains[i]!, what,
        open: () => client.blobStream(ref.path, desc.digest, desc.size, what),
      }, { budget, limits: opts.settings.limits, progress: opts.progress, note: opts.note, signal });
    });
    putBlob(s, r.manifestDigest, r.manifestBody);
    putBlob(s, r.config.digest, configBody);
    const id = r.config.digest;
    const repo = repositoryName(ref);
    const { image, known } = await updateImageIndex(s, (index) => {
      const old = index.images[id];
      const image = buildImageRecord(old, {
        id, manifestDigest: r.manifestDigest, manifestMediaType: r.manifestMediaType, chainIds: chains, config,
        layers: r.layers, records: records.map((l) => l.record), repoDigest: `${repo}@${r.digest}`,
      });
      index.images[id] = image;
      if (ref.tag) setTag(index, `${repo}:${ref.tag}`, id);
      return { image: index.images[id]!, known: old !== undefined && (!ref.tag || old.repoTags.includes(`${repo}:${ref.tag}`)) };
    });
    return { image, config, digest: r.digest, downloaded: !known || records.some((l) => l.fresh) };
  }, { shared: true, timeoutMs: LAYER_LOCK_TIMEOUT_MS });
}

async function resolveManifest(client: RegistryClient, ref: ImageReference, opts: PullOptions): Promise<Resolved> {
  const name = formatReference(ref);
  const top = await client.manifest(ref.path, ref.digest ?? ref.tag!, MANIFEST_ACCEPT, MAX_MANIFEST_BYTES);
  const digest = sha256Digest(top.body);
  if (ref.digest && digest !== ref.digest) throw new NookError(`the registry sent a manifest for ${name} whose digest is ${digest}`);
  if (top.digest && top.digest !== digest) throw new NookError(`the manifest of ${name} does not match the registry's Docker-Content-Digest (${top.digest}, got ${digest})`);
  const doc = parseManifest(top.body, top.contentType, undefined, `manifest of ${name}`);
  if (doc.kind === 'manifest') {
    return { digest, manifestDigest: digest, manifestBody: top.body, manifestMediaType: doc.mediaType, config: doc.config, layers: doc.layers, platformClaim: undefined };
  }
  const chosen = choosePlatform(doc.manifests, opts.platform);
  if (!chosen) {
    const have = doc.manifests.map((m) => m.platform && formatPlatform(m.platform)).filter(Boolean).join(', ');
    throw new NookError(`${name} has no image for ${formatPlatform(opts.platform)} (it has: ${have || 'none'})`, { hint: 'choose one with --platform' });
  }
  const body = await fetchVerified(client, ref.path, chosen, MAX_MANIFEST_BYTES, `manifest ${chosen.digest} of ${name}`, true);
  const m = parseManifest(body, undefined, chosen.mediaType, `manifest ${chosen.digest} of ${name}`);
  if (m.kind !== 'manifest') throw new NookError(`the index of ${name} points at another index for ${formatPlatform(opts.platform)}; nested indexes are not supported`);
  return { digest, manifestDigest: chosen.digest, manifestBody: body, manifestMediaType: m.mediaType, config: m.config, layers: m.layers, platformClaim: chosen.platform };
}

async function fetchVerified(client: RegistryClient, repo: string, desc: Descriptor, max: number, what: string, asManifest = false): Promise<Buffer> {
  if (desc.size > max) throw new NookError(`${what} is ${desc.size} bytes, more than the ${max} allowed`);
  const body = asManifest
    ? (await client.manifest(repo, desc.digest, desc.mediaType, max)).body
    : await client.smallBlob(repo, desc.digest, max);
  const got = sha256Digest(body);
  if (got !== desc.digest || body.length !== desc.size) throw new NookError(`${what} does not match its digest: expected ${desc.digest} (${desc.size} bytes), got ${got} (${body.length} bytes)`);
  return body;
}

function checkPlatform(config: OciImageConfig, claim: Platform | undefined, opts: PullOptions, name: string): void {
  const actual = { os: config.os, architecture: config.architecture, variant: config.variant };
  if (claim && (claim.os !== actual.os || claim.architecture !== actual.architecture)) {
    throw new NookError(`the index of ${name} lists an image for ${formatPlatform(claim)} whose config says ${formatPlatform(actual)}: refusing an image that is not what it claims`);
  }
  if (!claim && (actual.os !== opts.platform.os || actual.architecture !== opts.platform.architecture)) {
    const msg = `${name} is built for ${formatPlatform(actual)}, not ${formatPlatform(opts.platform)}`;
    if (opts.platformExplicit) throw new NookError(msg);
    opts.note(`warning: ${msg}; it may not run here`);
  }
}
