// The store's helper that runs inside the containers' user namespace, as root there, so that
// files get the image's owners and can be removed again whatever their owner:
//   unpack-worker unpack DIR MAX reads one uncompressed layer tar on stdin into DIR (must be
//                                empty), refusing more than MAX bytes (the decompression-bomb limit)
//   unpack-worker remove PATH... removes store paths (layer dirs)
//   unpack-worker flatten DIR LAYER... copies layers (bottom first) into DIR: the copy driver
// Protocol with the parent: stderr lines `note: ...` are notes, `error: ...` is the failure
// (exit 125), `size: N` the unpacked layer's size (holes of sparse files included); exit 0
// means the whole tar was written and is on disk.
import { closeSync, constants, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { TarReader } from './tar-reader.js';
import { LayerWriter } from './layer-writer.js';
import { flattenLayers } from './flatten.js';
import { syncfs } from './syscalls.js';

/** How many ids this namespace maps: 1 means single-id mode, where ownership is flattened. */
function mappedIds(): number {
  const lines = readFileSync('/proc/self/uid_map', 'utf8').trim().split('\n');
  return lines.reduce((n, l) => n + Number(l.trim().split(/\s+/)[2] ?? 0), 0);
}

async function unpack(dir: string, maxBytes: number): Promise<void> {
  if (readdirSync(dir).length !== 0) throw new Error(`${dir} is not empty`);
  const note = (line: string) => process.stderr.write(`note: ${line}\n`);
  const chown = mappedIds() > 1;
  if (!chown) note('single-id user namespace (no subuid range): file ownership in the image is flattened to root');
  const writer = new LayerWriter(dir, { chown, maxBytes, note });
  const reader = new TarReader(writer);
  for await (const chunk of process.stdin) {
    reader.push(chunk as Buffer);
    // Counted after the push, where the entry being written is known, so the error can name it.
    writer.countTarBytes((chunk as Buffer).length);
  }
  reader.end();
  writer.finish();
  durable(dir);
  process.stderr.write(`size: ${writer.logicalBytes}\n`);
}

/**
 * The layer's files on disk before the parent marks it complete: one syncfs for the whole
 * layer (thousands of fsyncs would each wait for the disk). It also flushes the blob the parent
 * wrote beside it, so the blob's own fsync then finds little left to do.
 */
function durable(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    syncfs(fd, dir);
  } finally {
    closeSync(fd);
  }
}

function remove(paths: string[]): void {
  for (const p of paths) rmSync(p, { recursive: true, force: true, maxRetries: 2 });
}

async function main(argv: string[]): Promise<number> {
  const [verb, ...args] = argv;
  try {
    if (verb === 'unpack' && args.length === 2 && Number(args[1]) > 0) await unpack(args[0]!, Number(args[1]));
    else if (verb === 'remove' && args.length > 0) remove(args);
    else if (verb === 'flatten' && args.length > 1) flattenLayers(args[0]!, args.slice(1));
    else throw new Error('usage: unpack-worker unpack DIR MAX-BYTES | remove PATH... | flatten DIR LAYER...');
    return 0;
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message.split('\n')[0]}\n`);
    return 125;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
