// `nook pull`: resolve the reference to one image manifest for the platform, verify manifest and
// config, then bring every layer into the store (download, verify, unpack; skip what is there),
// and record the image and its tag. Runs under the store's shared lock, so check/prune never
// judge a pull in flight as garbage.
import { createReadStream, existsSync, mkdirSync } from 'node:fs';
import { NookError } from '../errors.js';
import { withLock } from '../storage/lock.js';
import { BlobWriter, hasBlob, putBlob, readBlob } from '../storage/blobs.js';
import { chainIds, sha256Digest } from '../storage/digest.js';
import { blobPath, layerDiffDir, layerDir, layerLockPath, type StoreLayout } from '../storage/layout.js';
import { isLayerComplete, markLayerComplete, readLayerRecord, type LayerRecord } from '../storage/layers.js';
import { setTag, updateImageIndex, type ImageRecord } from '../storage/image-index.js';
import { MANIFEST_ACCEPT, MAX_CONFIG_BYTES, MAX_MANIFEST_BYTES, parseImageConfig, parseManifest, type Descriptor, type OciImageConfig, type Platform } from './media-types.js';
import { choosePlatform, formatPlatform } from './platform.js';
import { formatReference, parseReference, repositoryName, type ImageReference } from './reference.js';
import { RegistryClient } from './registry/client.js';
import type { RegistrySettings } from './registry/endpoints.js';
import { unpackLayerStream, type LayerLimits } from './layer-pipeline.js';
import { removeInNamespace } from './unpack/run-worker.js';
import type { PullProgress } from './pull-progress.js';

export interface PullSettings {
  registries: RegistrySettings;
  limits: { maxLayerBytes: number; maxImageBytes: number; pullConcurrency: number };
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

/** A layer download is retried this often when the connection fails (digest mismatches are not). */
const LAYER_ATTEMPTS = 3;
/** Waiting for another shell's pull of the same layer may take as long as that download. */
const LAYER_LOCK_TIMEOUT_MS = 60 * 60 * 1000;

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
  const client = new RegistryClient(ref.domain, opts.settings.registries);
  const r = await resolveManifest(client, ref, opts);
  const configBody = hasBlob(s, r.config.digest) ? readBlob(s, r.config.digest) : await fetchVerified(client, ref.path, r.config, MAX_CONFIG_BYTES, `config ${r.config.digest} of ${name}`);
  const config = parseImageConfig(configBody, r.layers.length, `config ${r.config.digest} of ${name}`);
  checkPlatform(config, r.platformClaim, opts, name);
  const diffIds = config.rootfs.diff_ids;
  const chains = chainIds(diffIds);

  return withLock(s.storeLock, async () => {
    const budget = { remaining: opts.settings.limits.maxImageBytes, maxImageBytes: opts.settings.limits.maxImageBytes };
    const records = await mapLimited(r.layers, opts.settings.limits.pullConcurrency, (desc, i, signal) =>
      ensureLayer(s, client, ref, { desc, diffId: diffIds[i]!, chainId: chains[i]!, index: i }, { budget, maxLayerBytes: opts.settings.limits.maxLayerBytes, progress: opts.progress, note: opts.note, signal }));
    putBlob(s, r.manifestDigest, r.manifestBody);
    putBlob(s, r.config.digest, configBody);
    const id = r.config.digest;
    const repo = repositoryName(ref);
    const { image, known } = await updateImageIndex(s, (index) => {
      const old = index.images[id];
      const image: ImageRecord = {
        id,
        repoTags: old?.repoTags ?? [],
        repoDigests: [...new Set([...(old?.repoDigests ?? []), `${repo}@${r.digest}`])],
        manifestDigest: r.manifestDigest,
        manifestMediaType: r.manifestMediaType,
        chainIds: chains,
        diffIds,
        size: r.layers.reduce((n, l) => n + l.size, 0),
        unpackedSize: records.reduce((n, l) => n + l.record.size, 0),
        created: config.created,
        os: config.os,
        architecture: config.architecture,
        variant: config.variant,
        pulledAt: old?.pulledAt ?? new Date().toISOString(),
      };
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

interface LayerJob { desc: Descriptor; diffId: string; chainId: string; index: number }

/** Brings one layer into the store unless it is there; one shell at a time per layer. */
async function ensureLayer(s: StoreLayout, client: RegistryClient, ref: ImageReference, job: LayerJob, ctx: {
  budget: LayerLimits['imageBudget']; maxLayerBytes: number; progress: PullProgress; note: (l: string) => void; signal: AbortSignal;
}): Promise<{ record: LayerRecord; fresh: boolean }> {
  const short = job.desc.digest.slice(7, 19);
  ctx.progress.layerQueued(short, job.desc.size);
  return withLock(layerLockPath(s, job.chainId), async () => {
    const existing = isLayerComplete(s, job.chainId) ? readLayerRecord(s, job.chainId) : undefined;
    if (existing) {
      ctx.budget.remaining -= existing.size;
      ctx.progress.layerDone(short, 'Already exists');
      return { record: existing, fresh: false };
    }
    const what = `layer ${job.desc.digest} (${job.index + 1}) of ${formatReference(ref)}`;
    for (let attempt = 1; ; attempt++) {
      ctx.signal.throwIfAborted();
      // Whatever is here lacks its marker: left by a killed pull. We hold the lock, so nobody writes it.
      if (existsSync(layerDir(s, job.chainId))) await removeInNamespace([layerDir(s, job.chainId)]);
      mkdirSync(layerDiffDir(s, job.chainId), { recursive: true, mode: 0o755 });
      const stored = hasBlob(s, job.desc.digest);
      const blob = stored ? undefined : new BlobWriter(s);
      const budgetBefore = ctx.budget.remaining;
      try {
        const source = stored ? createReadStream(blobPath(s, job.desc.digest)) : await client.blobStream(ref.path, job.desc.digest);
        const out = await unpackLayerStream({
          source, desc: job.desc, diffId: job.diffId, diffDir: layerDiffDir(s, job.chainId), blob,
          limits: { maxLayerBytes: ctx.maxLayerBytes, imageBudget: ctx.budget },
          onBytes: (n) => ctx.progress.layerBytes(short, n), signal: ctx.signal, what,
        });
        blob?.commit(job.desc.digest, job.desc.size);
        const record: LayerRecord = {
          chainId: job.chainId, diffId: job.diffId, blobDigest: job.desc.digest, blobSize: job.desc.size,
          mediaType: job.desc.mediaType, size: out.size, completedAt: new Date().toISOString(),
        };
        markLayerComplete(s, record);
        for (const n of out.notes) ctx.note(`${short}: ${n}`);
        ctx.progress.layerDone(short, 'Pull complete');
        return { record, fresh: true };
      } catch (err) {
        blob?.abort();
        ctx.budget.remaining = budgetBefore;
        await removeInNamespace([layerDir(s, job.chainId)]);
        const retriable = err instanceof NookError && /download failed|cannot reach/.test(err.message) && !ctx.signal.aborted;
        if (!retriable || attempt >= LAYER_ATTEMPTS) throw err;
        ctx.progress.line(`${short}: retrying after: ${(err as Error).message}`);
      }
    }
  }, { timeoutMs: LAYER_LOCK_TIMEOUT_MS });
}

/** Runs `fn` over items with at most `limit` at once; the first failure aborts the rest. */
async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T, i: number, signal: AbortSignal) => Promise<R>): Promise<R[]> {
  const ac = new AbortController();
  const results: R[] = new Array(items.length);
  let next = 0;
  let firstError: unknown;
  const lane = async () => {
    while (next < items.length && !ac.signal.aborted) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!, i, ac.signal);
      } catch (err) {
        if (firstError === undefined) firstError = err;
        ac.abort();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (firstError !== undefined) throw firstError;
  return results;
}
