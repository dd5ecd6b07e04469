// What `nook run` needs from the image side: the image (pulled when missing, per --pull), its
// config, and its unpacked layers bottom to top.
import { NookError } from '../errors.js';
import { readBlob } from '../storage/blobs.js';
import { readImageIndex, type ImageRecord } from '../storage/image-index.js';
import { layerDiffDir, storeLayout, type StoreLayout } from '../storage/layout.js';
import { isLayerComplete } from '../storage/layers.js';
import { findImage } from './lookup.js';
import { parseImageConfig, type OciImageConfig } from './media-types.js';
import { formatReference, parseReference } from './reference.js';

export type PullPolicy = 'missing' | 'always' | 'never';

export interface ResolvedImage {
  id: string;
  ref: string;
  config: OciImageConfig;
  /** Bottom to top, as overlay's lowerdir wants them reversed. */
  layerDirs: string[];
}

export async function resolveImageForRun(ref: string, opts: { pull: PullPolicy; quiet?: boolean; platform?: string }): Promise<ResolvedImage> {
  const s = storeLayout();
  let image = opts.pull === 'always' ? undefined : usableImage(s, ref);
  if (!image) {
    if (opts.pull === 'never') throw new NookError(`image ${ref} is not in the local store (--pull never)`, { hint: `pull it with \`nook pull ${ref}\`` });
    const { pullAndReport } = await import('./pull-report.js');
    image = (await pullAndReport(ref, { quiet: opts.quiet ?? false, platform: opts.platform, stream: process.stderr })).image;
  }
  const config = parseImageConfig(readBlob(s, image.id), image.chainIds.length, `config of ${ref}`);
  let name = ref;
  try {
    name = formatReference(parseReference(ref));
  } catch {
    name = image.id; // run by id
  }
  return { id: image.id, ref: name, config, layerDirs: image.chainIds.map((c) => layerDiffDir(s, c)) };
}

/** The local image, if every one of its layers is complete; otherwise it has to be pulled again. */
function usableImage(s: StoreLayout, ref: string): ImageRecord | undefined {
  const image = findImage(readImageIndex(s), ref);
  if (!image) return undefined;
  return image.chainIds.every((c) => isLayerComplete(s, c)) ? image : undefined;
}
