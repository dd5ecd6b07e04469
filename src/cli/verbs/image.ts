// `nook image inspect|history|prune`.
import { readBlob } from '../../storage/blobs.js';
import { withStoreLock } from '../../image/leftovers.js';
import { readImageIndex, updateImageIndex, type ImageRecord } from '../../storage/image-index.js';
import { layerDiffDir, storeLayout, type StoreLayout } from '../../storage/layout.js';
import { readLayerRecord } from '../../storage/layers.js';
import { removeUnreferenced } from '../../image/remove.js';
import { requireImage, shortId } from '../../image/lookup.js';
import { parseImageConfig, type OciImageConfig } from '../../image/media-types.js';
import { familiarName, splitTagged } from '../../image/reference.js';
import { humanSize, humanSizeWithPrecision, timeAgo } from '../../util/units.js';
import { alignRows, parseFormat } from '../../format/render.js';
import { terminalJson } from '../../util/terminal-text.js';
import type { ImageHistoryFlags, ImageInspectFlags, ImagePruneFlags } from '../flags/image.js';

function configOf(s: StoreLayout, image: ImageRecord): OciImageConfig {
  return parseImageConfig(readBlob(s, image.id), image.chainIds.length, `config of ${image.id}`);
}

/** Docker's `image inspect` object, from the stored config and the image record. */
export function inspectObject(s: StoreLayout, image: ImageRecord): Record<string, unknown> {
  const c = configOf(s, image);
  const cc = c.config ?? {};
  const lower = image.chainIds.map((id) => layerDiffDir(s, id)).reverse();
  return {
    Id: image.id,
    RepoTags: image.repoTags.map((t) => `${familiarName(splitTagged(t).repository)}:${splitTagged(t).tag}`),
    RepoDigests: image.repoDigests.map((d) => `${familiarName(d.split('@')[0]!)}@${d.split('@')[1]}`),
    Parent: '',
    Comment: '',
    Created: c.created ?? '',
    DockerVersion: '',
    Author: c.author ?? '',
    Config: {
      Hostname: '', Domainname: '', User: cc.User ?? '', AttachStdin: false, AttachStdout: false, AttachStderr: false,
      ExposedPorts: cc.ExposedPorts, Tty: false, OpenStdin: false, StdinOnce: false, Env: cc.Env ?? null,
      Cmd: cc.Cmd ?? null, Image: '', Volumes: cc.Volumes ?? null, WorkingDir: cc.WorkingDir ?? '',
      Entrypoint: cc.Entrypoint ?? null, OnBuild: null, Labels: cc.Labels ?? null, StopSignal: cc.StopSignal,
    },
    Architecture: c.architecture,
    Variant: c.variant,
    Os: c.os,
    Size: image.unpackedSize,
    GraphDriver: { Name: 'overlay', Data: { LowerDir: lower.slice(1).join(':') || undefined, UpperDir: lower[0] } },
    RootFS: { Type: 'layers', Layers: image.diffIds },
    Metadata: { LastTagTime: image.pulledAt },
  };
}

export async function inspectImages(names: string[], opts: ImageInspectFlags): Promise<number> {
  const s = storeLayout();
  const index = readImageIndex(s);
  const objects = names.map((n) => inspectObject(s, requireImage(index, n)));
  if (opts.format) {
    const format = parseFormat(opts.format);
    for (const o of objects) process.stdout.write(format.render(o) + '\n');
    return 0;
  }
  process.stdout.write(terminalJson(objects, 4) + '\n');
  return 0;
}

export async function history(name: string, opts: ImageHistoryFlags): Promise<number> {
  const s = storeLayout();
  const image = requireImage(readImageIndex(s), name);
  const c = configOf(s, image);
  const trunc = opts.trunc;
  const entries = c.history ?? image.diffIds.map(() => ({}) as NonNullable<OciImageConfig['history']>[number]);
  // Non-empty history entries map, in order, onto the layers.
  let layer = 0;
  const rows = entries.map((h) => {
    let size = 0;
    if (!h.empty_layer) {
      const chain = image.chainIds[layer++];
      size = chain ? readLayerRecord(s, chain)?.size ?? 0 : 0;
    }
    let by = (h.created_by ?? '').replace(/\s+/g, ' ');
    if (trunc && by.length > 45) by = by.slice(0, 44) + '…';
    return { by, size, created: h.created, comment: h.comment ?? '' };
  }).reverse();
  const ids = rows.map((_r, i) => (i === 0 ? (trunc ? shortId(image.id) : image.id) : '<missing>'));
  if (opts.quiet) {
    for (const id of ids) process.stdout.write(id + '\n');
    return 0;
  }
  const table = [['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'], ...rows.map((r, i) => [ids[i]!, timeAgo(r.created), r.by, humanSizeWithPrecision(r.size, 3), r.comment])];
  for (const line of alignRows(table)) process.stdout.write(line + '\n');
  return 0;
}

/** Removes dangling images (all with -a) and what only they used; prints Docker's summary. */
export async function pruneImagesIn(s: StoreLayout, all: boolean): Promise<{ deleted: ImageRecord[]; freed: number }> {
  const { deleted, index } = await updateImageIndex(s, (index) => {
    const deleted = Object.values(index.images).filter((i) => all || i.repoTags.length === 0);
    for (const i of deleted) delete index.images[i.id];
    return { deleted, index };
  });
  const freed = await removeUnreferenced(s, index, deleted);
  return { deleted, freed };
}

export async function pruneImages(opts: ImagePruneFlags): Promise<number> {
  const s = storeLayout();
  const { deleted, freed } = await withStoreLock(s, () => pruneImagesIn(s, opts.all ?? false), { timeoutMs: 10 * 60_000 });
  if (deleted.length > 0) {
    process.stdout.write('Deleted Images:\n');
    for (const i of deleted) {
      for (const t of i.repoTags) process.stdout.write(`untagged: ${t}\n`);
      process.stdout.write(`deleted: ${i.id}\n`);
    }
    process.stdout.write('\n');
  }
  process.stdout.write(`Total reclaimed space: ${humanSize(freed)}\n`);
  return 0;
}
