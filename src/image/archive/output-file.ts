// Where `save` and `export` write: a file, replaced atomically once the whole archive is
// written (a failed save leaves no half archive), or stdout when it is not a terminal.
import { closeSync, fsyncSync, openSync, renameSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { NookError } from '../../errors.js';
import { tempPathFor } from '../../storage/atomic.js';

export async function writeOutput(output: string | undefined, verb: string, write: (fd: number) => Promise<void>): Promise<void> {
  if (output === undefined || output === '-') {
    if (process.stdout.isTTY) throw new NookError(`refusing to write a tar archive to a terminal`, { hint: `use -o FILE or redirect: nook ${verb} ... > FILE` });
    await write(1);
    return;
  }
  const path = resolve(output);
  const tmp = tempPathFor(path);
  let fd: number;
  try {
    fd = openSync(tmp, 'wx', 0o644);
  } catch (err) {
    throw new NookError(`cannot write ${output}: ${(err as Error).message}`);
  }
  try {
    await write(fd);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(tmp, { force: true });
    throw err;
  }
}
