import { createReadStream, existsSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { NookError } from '../../errors.js';
import { noteToStderr } from '../../util/terminal-text.js';
import { storeLayout } from '../../storage/layout.js';
import { importTarball } from '../../image/archive/import.js';
import { loadPullSettings } from '../../image/settings.js';
import { formatReference, parseReference } from '../../image/reference.js';
import type { ImportFlags } from '../flags/import.js';

function input(file: string): Readable {
  if (file === '-') {
    if (process.stdin.isTTY) throw new NookError('nook import - reads the tarball from stdin, which is a terminal', { hint: 'redirect a file: nook import - < rootfs.tar' });
    return process.stdin;
  }
  if (!existsSync(file)) throw new NookError(`no such file: ${file}`);
  return createReadStream(file);
}

export async function importImage(file: string, reference: string | undefined, flags: ImportFlags): Promise<number> {
  let tag: string | undefined;
  if (reference !== undefined) {
    const ref = parseReference(reference);
    if (ref.digest) throw new NookError(`invalid reference "${reference}": an imported image is named by a tag, not a digest`);
    tag = formatReference(ref);
  }
  const source = input(file);
  const { limits } = await loadPullSettings();
  const image = await importTarball(storeLayout(), source, { tag, changes: flags.change ?? [], message: flags.message, limits, note: noteToStderr });
  process.stdout.write(image.id + '\n');
  return 0;
}
