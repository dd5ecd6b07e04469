import { NookError } from '../../errors.js';
import { readImageIndex, type ImageRecord } from '../../storage/image-index.js';
import { storeLayout } from '../../storage/layout.js';
import { familiarName, parseReference, repositoryName, splitTagged } from '../../image/reference.js';
import { shortId } from '../../image/lookup.js';
import { humanSizeWithPrecision, timeAgo } from '../../util/units.js';
import { renderListing } from '../../format/render.js';
import type { ImagesFlags } from '../flags/images.js';

interface Line { image: ImageRecord; repository: string; tag: string; digest: string }

/** One line per tag; an untagged image is one `<none>` line (dangling). */
function lines(images: ImageRecord[]): Line[] {
  const out: Line[] = [];
  for (const image of images) {
    const digestOf = (repo: string) => image.repoDigests.find((d) => d.startsWith(repo + '@'))?.split('@')[1] ?? '<none>';
    if (image.repoTags.length === 0) {
      const repo = image.repoDigests[0]?.split('@')[0];
      out.push({ image, repository: repo ? familiarName(repo) : '<none>', tag: '<none>', digest: repo ? digestOf(repo) : '<none>' });
    }
    for (const t of image.repoTags) {
      const { repository, tag } = splitTagged(t);
      out.push({ image, repository: familiarName(repository), tag, digest: digestOf(repository) });
    }
  }
  return out.sort((a, b) => (b.image.pulledAt.localeCompare(a.image.pulledAt)) || a.repository.localeCompare(b.repository) || a.tag.localeCompare(b.tag));
}

function matchesFilters(l: Line, filters: string[]): boolean {
  for (const f of filters) {
    const [key, value = ''] = f.split('=', 2) as [string, string?];
    if (key === 'dangling') {
      if (value !== 'true' && value !== 'false') throw new NookError(`invalid filter "${f}"`, { hint: 'dangling=true or dangling=false' });
      if ((l.image.repoTags.length === 0) !== (value === 'true')) return false;
    } else if (key === 'reference') {
      const re = new RegExp('^' + value.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '.') + '$');
      if (!re.test(`${l.repository}:${l.tag}`) && !re.test(l.repository)) return false;
    } else {
      throw new NookError(`unsupported filter "${key}"`, { hint: 'nook supports dangling=true|false and reference=PATTERN' });
    }
  }
  return true;
}

/** Docker's column titles for `images --format 'table ...'`. */
const IMAGE_HEADERS = {
  ID: 'IMAGE ID', Repository: 'REPOSITORY', Tag: 'TAG', Digest: 'DIGEST', CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT', Size: 'SIZE', Containers: 'CONTAINERS',
};

export async function images(repository: string | undefined, flags: ImagesFlags): Promise<number> {
  const index = readImageIndex(storeLayout());
  let ls = lines(Object.values(index.images)).filter((l) => matchesFilters(l, flags.filter ?? []));
  if (repository) {
    const ref = parseReference(repository);
    const repo = familiarName(repositoryName(ref));
    const tagGiven = repository.slice(repository.lastIndexOf('/') + 1).split('@')[0]!.includes(':');
    ls = ls.filter((l) => l.repository === repo && (!tagGiven || l.tag === ref.tag));
  }
  const trunc = flags.trunc;
  const id = (i: ImageRecord) => (trunc ? shortId(i.id) : i.id);
  if (flags.quiet) {
    const seen = new Set<string>();
    for (const l of ls) if (!seen.has(l.image.id)) (seen.add(l.image.id), process.stdout.write(id(l.image) + '\n'));
    return 0;
  }
  const rows = ls.map((l) => ({
    ID: id(l.image), Repository: l.repository, Tag: l.tag, Digest: l.digest, CreatedSince: timeAgo(l.image.created),
    CreatedAt: l.image.created ?? '', Size: humanSizeWithPrecision(l.image.unpackedSize, 3), Containers: 'N/A',
  }));
  const table = `table {{.Repository}}\t{{.Tag}}${flags.digests ? '\t{{.Digest}}' : ''}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}`;
  process.stdout.write(renderListing(flags.format ?? table, rows, IMAGE_HEADERS));
  return 0;
}
