// A pull with Docker's output around it: bars on a terminal, lines otherwise, nothing with -q
// (then only the reference, like `docker pull -q`). Shared by `nook pull` and `nook run`.
import type { Writable } from 'node:stream';
import { noteToStderr } from '../util/terminal-text.js';
import { storeLayout } from '../storage/layout.js';
import { barProgress, lineProgress, silentProgress, type PullProgress } from './pull-progress.js';
import { pullImage, type PullResult } from './pull.js';
import { familiarName, formatReference, parseReference, repositoryName } from './reference.js';
import { loadPullSettings, platformFrom } from './settings.js';

export async function pullAndReport(ref: string, opts: { quiet: boolean; platform: string | undefined; stream: Writable }): Promise<PullResult> {
  const parsed = parseReference(ref);
  const name = formatReference(parsed);
  const settings = await loadPullSettings();
  const tty = (opts.stream as NodeJS.WriteStream).isTTY === true;
  const progress: PullProgress = opts.quiet ? silentProgress : tty ? await barProgress(opts.stream as NodeJS.WriteStream) : lineProgress(opts.stream);
  if (!opts.quiet) progress.line(`${parsed.tag ?? parsed.digest}: Pulling from ${familiarName(repositoryName(parsed))}`);
  let result: PullResult;
  try {
    result = await pullImage(storeLayout(), ref, { ...platformFrom(opts.platform), settings, progress, note: noteToStderr });
  } finally {
    progress.stop();
  }
  if (opts.quiet) {
    opts.stream.write(name + '\n');
  } else {
    opts.stream.write(`Digest: ${result.digest}\n`);
    opts.stream.write(result.downloaded ? `Status: Downloaded newer image for ${name}\n` : `Status: Image is up to date for ${name}\n`);
  }
  return result;
}
