// `nook rmi`: untag, and delete an image once no name points at it, with the layers only it used.
import { NookError, formatError } from '../../errors.js';
import { withStoreLock } from '../../image/leftovers.js';
import { storeLayout } from '../../storage/layout.js';
import { updateImageIndex, type ImageRecord } from '../../storage/image-index.js';
import { removeUnreferenced } from '../../image/remove.js';
import { findImage } from '../../image/lookup.js';
import { familiarName, formatReference, parseReference, splitTagged } from '../../image/reference.js';
import type { RmiFlags } from '../flags/rmi.js';

/** The tag `name` denotes, if it is a name (not an id) that an image carries. */
function taggedName(name: string, image: ImageRecord): string | undefined {
  try {
    const full = formatReference(parseReference(name));
    return image.repoTags.includes(full) ? full : undefined;
  } catch {
    return undefined;
  }
}

const familiar = (tagged: string) => {
  const { repository, tag } = splitTagged(tagged);
  return `${familiarName(repository)}:${tag}`;
};

export async function rmi(names: string[], opts: RmiFlags): Promise<number> {
  const s = storeLayout();
  let failed = 0;
  // Exclusive: no pull may be reusing a layer while it is deleted.
  await withStoreLock(s, async () => {
    for (const name of names) {
      try {
        const { removed, lines, index } = await updateImageIndex(s, (index) => {
          const image = findImage(index, name);
          if (!image) throw new NookError(`No such image: ${name}`);
          const lines: string[] = [];
          const tag = taggedName(name, image);
          if (tag && image.repoTags.length > 1) {
            image.repoTags = image.repoTags.filter((t) => t !== tag);
            return { removed: undefined, lines: [`Untagged: ${familiar(tag)}`], index };
          }
          if (!tag && image.repoTags.length > 1 && !opts.force) {
            throw new NookError(`image ${name} is referenced by ${image.repoTags.length} names (${image.repoTags.map(familiar).join(', ')})`, { hint: 'remove them by name, or use -f' });
          }
          for (const t of image.repoTags) lines.push(`Untagged: ${familiar(t)}`);
          for (const d of image.repoDigests) lines.push(`Untagged: ${familiarName(d.split('@')[0]!)}@${d.split('@')[1]}`);
          delete index.images[image.id];
          lines.push(`Deleted: ${image.id}`);
          return { removed: image, lines, index };
        });
        for (const l of lines) process.stdout.write(l + '\n');
        if (removed) await removeUnreferenced(s, index, [removed]);
      } catch (err) {
        if (!(err instanceof NookError) || names.length === 1) throw err;
        process.stderr.write(formatError(err).text + '\n');
        failed++;
      }
    }
  }, { timeoutMs: 10 * 60_000 });
  return failed > 0 ? 1 : 0;
}
