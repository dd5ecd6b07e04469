import { createWriteStream } from 'node:fs';
import { NookError } from '../../errors.js';
import { storeLayout } from '../../storage/layout.js';
import { saveImages } from '../../image/archive/save.js';
import { writeOutput } from '../../image/archive/output-file.js';
import type { SaveFlags } from '../flags/save.js';

export async function save(images: string[], flags: SaveFlags): Promise<number> {
  const format = flags.format;
  if (format !== 'docker-archive' && format !== 'oci-archive') throw new NookError(`unknown format "${format}"`, { hint: 'use docker-archive or oci-archive' });
  await writeOutput(flags.output, 'save', (fd) => saveImages(storeLayout(), images, format, fd === 1 ? process.stdout : createWriteStream('', { fd, autoClose: false })));
  return 0;
}
