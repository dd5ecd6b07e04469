import { createReadStream, existsSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { NookError } from '../../errors.js';
import { noteToStderr, terminalSafe } from '../../util/terminal-text.js';
import { storeLayout } from '../../storage/layout.js';
import { loadArchive } from '../../image/archive/load.js';
import { loadPullSettings } from '../../image/settings.js';
import { silentProgress } from '../../image/pull-progress.js';
import { familiarName, splitTagged } from '../../image/reference.js';
import type { LoadFlags } from '../flags/load.js';

function input(file: string | undefined): Readable {
  if (file === undefined || file === '-') {
    if (process.stdin.isTTY) throw new NookError('requested load from stdin, but stdin is a terminal', { hint: 'use -i FILE or redirect: nook load < FILE' });
    return process.stdin;
  }
  if (!existsSync(file)) throw new NookError(`no such file: ${file}`);
  return createReadStream(file);
}

export async function load(flags: LoadFlags): Promise<number> {
  const source = input(flags.input);
  const { limits } = await loadPullSettings();
  const loaded = await loadArchive(storeLayout(), source, { limits, progress: silentProgress, note: noteToStderr });
  for (const { image, tags } of loaded) {
    if (tags.length === 0) process.stdout.write(`Loaded image ID: ${image.id}\n`);
    for (const t of tags) {
      const { repository, tag } = splitTagged(t);
      process.stdout.write(terminalSafe(`Loaded image: ${familiarName(repository)}:${tag}`) + '\n');
    }
  }
  return 0;
}
