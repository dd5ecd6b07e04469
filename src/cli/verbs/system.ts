// `nook system df|check|prune`: the store's usage, its integrity, and its clean-up.
import { rmSync } from 'node:fs';
import { withStoreLock } from '../../image/leftovers.js';
import { blobPath, layerDir, layerLockPath, storeLayout } from '../../storage/layout.js';
import { readImageIndex } from '../../storage/image-index.js';
import { readLayerRecord } from '../../storage/layers.js';
import { scanStore, verifyBlob } from '../../storage/scan.js';
import { removeInNamespace } from '../../nsworker/run-worker.js';
import { familiarName, splitTagged } from '../../image/reference.js';
import { shortId } from '../../image/lookup.js';
import { humanSize, timeAgo } from '../../util/units.js';
import { alignRows } from '../../format/render.js';
import { pruneImagesIn } from './image.js';
import type { SystemCheckFlags, SystemDfFlags, SystemPruneFlags } from '../flags/system.js';

/** Waiting for pulls in flight to finish before judging what is garbage. */
const STORE_LOCK_TIMEOUT_MS = 10 * 60_000;

export async function df(opts: SystemDfFlags): Promise<number> {
  const s = storeLayout();
  const index = readImageIndex(s);
  const images = Object.values(index.images);
  const layerSize = new Map<string, number>();
  const users = new Map<string, number>();
  for (const img of images) {
    for (const c of new Set(img.chainIds)) {
      users.set(c, (users.get(c) ?? 0) + 1);
      if (!layerSize.has(c)) layerSize.set(c, readLayerRecord(s, c)?.size ?? 0);
    }
  }
  const total = [...layerSize.values()].reduce((a, b) => a + b, 0);
  const dangling = images.filter((i) => i.repoTags.length === 0);
  const reclaimable = dangling.flatMap((i) => i.chainIds).filter((c) => users.get(c) === 1).reduce((n, c) => n + (layerSize.get(c) ?? 0), 0);
  const scan = scanStore(s);
  const blobBytes = scan.blobs.reduce((n, b) => n + b.size, 0);
  const table = [
    ['TYPE', 'TOTAL', 'ACTIVE', 'SIZE', 'RECLAIMABLE'],
    ['Images', String(images.length), String(images.length - dangling.length), humanSize(total), humanSize(reclaimable)],
    ['Layers', String(scan.layers.length), String(layerSize.size), humanSize(scan.layers.reduce((n, l) => n + l.size, 0)), humanSize(scan.orphanLayers.reduce((n, l) => n + l.size, 0))],
    ['Blobs', String(scan.blobs.length), '', humanSize(blobBytes), ''],
  ];
  for (const l of alignRows(table)) process.stdout.write(l + '\n');
  if (opts.verbose) {
    process.stdout.write('\nImages space usage:\n\n');
    const rows = [['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE', 'SHARED SIZE', 'UNIQUE SIZE', 'LAYERS']];
    for (const img of images) {
      let shared = 0;
      let unique = 0;
      for (const c of new Set(img.chainIds)) {
        if ((users.get(c) ?? 0) > 1) shared += layerSize.get(c) ?? 0;
        else unique += layerSize.get(c) ?? 0;
      }
      const names = img.repoTags.length > 0 ? img.repoTags.map(splitTagged) : [{ repository: '<none>', tag: '<none>' }];
      for (const n of names) {
        rows.push([n.repository === '<none>' ? n.repository : familiarName(n.repository), n.tag, shortId(img.id), timeAgo(img.created), humanSize(shared + unique), humanSize(shared), humanSize(unique), String(img.chainIds.length)]);
      }
    }
    for (const l of alignRows(rows)) process.stdout.write(l + '\n');
  }
  return 0;
}

export async function check(opts: SystemCheckFlags): Promise<number> {
  const s = storeLayout();
  return withStoreLock(s, async (leftovers) => {
    const scan = scanStore(s);
    const problems: string[] = [];
    for (const b of scan.blobs) {
      if (!(await verifyBlob(blobPath(s, b.digest), b.digest))) problems.push(`damaged blob: ${b.digest} does not match its digest`);
    }
    for (const l of scan.damagedLayers) problems.push(`damaged layer: ${l.chainId} is marked complete but its files are gone`);
    for (const d of scan.strayEntries) problems.push(`not nook's: ${d}`);
    for (const i of scan.brokenImages) problems.push(`broken image ${i.id}: missing ${i.missing.join(', ')}`);
    for (const p of problems) process.stdout.write(p + '\n');
    // what dead processes left is theirs, not the store's fault: removed, and said once
    if (leftovers > 0 && !opts.quiet) process.stdout.write(`removed ${leftovers} leftover(s) of nook processes that died\n`);
    const summary = `${scan.blobs.length} blobs verified, ${scan.layers.length} layers, ${Object.keys(scan.index.images).length} images`;
    if (problems.length > 0) {
      process.stdout.write(`${problems.length} problem(s) in ${s.root}: ${summary}; \`nook system prune\` removes the damage${scan.brokenImages.length + scan.damagedLayers.length > 0 ? ', then pull the broken images again' : ''}\n`);
      return 1;
    }
    const unused = scan.orphanLayers.length + scan.orphanBlobs.length;
    if (opts.quiet) return 0;
    if (unused === 0) process.stdout.write(`store is clean: ${summary}\n`);
    else process.stdout.write(`store is sound: ${summary}; ${scan.orphanLayers.length} layer(s) and ${scan.orphanBlobs.length} blob(s) no image uses (${humanSize(scan.orphanLayers.reduce((n, l) => n + l.size, 0))}): \`nook system prune\` removes them\n`);
    return 0;
  }, { timeoutMs: STORE_LOCK_TIMEOUT_MS });
}

export async function prune(opts: SystemPruneFlags): Promise<number> {
  const s = storeLayout();
  return withStoreLock(s, async (leftovers) => {
    const images = await pruneImagesIn(s, opts.all ?? false);
    const scan = scanStore(s);
    const damaged: string[] = [];
    for (const b of scan.blobs) if (!(await verifyBlob(blobPath(s, b.digest), b.digest))) damaged.push(b.digest);
    const layers = [...scan.damagedLayers, ...scan.orphanLayers.filter((l) => !scan.damagedLayers.includes(l))];
    await removeInNamespace([...scan.strayEntries, ...layers.map((l) => layerDir(s, l.chainId))]);
    for (const l of layers) rmSync(layerLockPath(s, l.chainId), { force: true });
    for (const d of new Set([...scan.orphanBlobs, ...damaged])) rmSync(blobPath(s, d), { force: true });
    const freed = images.freed + scan.orphanLayers.reduce((n, l) => n + l.size, 0);
    process.stdout.write(`Deleted: ${images.deleted.length} image(s), ${layers.length} layer(s) (${scan.damagedLayers.length} damaged), ${scan.orphanBlobs.length + damaged.length} blob(s), ${scan.strayEntries.length} unknown entry(ies), ${leftovers} leftover(s) of processes that died\n`);
    process.stdout.write(`Total reclaimed space: ${humanSize(freed)}\n`);
    return 0;
  }, { timeoutMs: STORE_LOCK_TIMEOUT_MS });
}
