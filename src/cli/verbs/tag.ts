import { NookError } from '../../errors.js';
import { storeLayout } from '../../storage/layout.js';
import { setTag, updateImageIndex } from '../../storage/image-index.js';
import { findImage } from '../../image/lookup.js';
import { formatReference, parseReference } from '../../image/reference.js';

export async function tag(source: string, target: string): Promise<number> {
  const ref = parseReference(target);
  if (ref.digest) throw new NookError(`invalid target "${target}": a tag cannot contain a digest`);
  const tagged = formatReference(ref);
  await updateImageIndex(storeLayout(), (index) => {
    const image = findImage(index, source);
    if (!image) throw new NookError(`No such image: ${source}`);
    setTag(index, tagged, image.id);
  });
  return 0;
}
