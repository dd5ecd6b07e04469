// A layer's decompressor as one pipeline stage. gzip goes through ISA-L's igzip when it is
// installed (Debian: isal): it inflates 3-4x faster than zlib, and in its own process, so it
// runs beside the hashing and the pipe to the unpack worker on another core. node:zlib is the
// fallback. zstd has no decoder in Node 20's zlib: the zstd program streams at several hundred
// MB/s and is in every distribution (Debian: zstd), so no native npm module is needed.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { Duplex, PassThrough, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { NookError } from '../errors.js';
import type { Compression } from './media-types.js';

/** Fixed places, not PATH: the program sees every layer's bytes before they are verified. */
const IGZIP = ['/usr/bin/igzip', '/usr/local/bin/igzip', '/bin/igzip'];

let igzip: string | null | undefined;

/** igzip's path, looked up once per process; null when it is not installed. */
export function igzipPath(): string | null {
  if (igzip !== undefined) return igzip;
  igzip = null;
  for (const p of IGZIP) {
    try {
      accessSync(p, constants.X_OK);
      igzip = p;
      break;
    } catch {
      /* next */
    }
  }
  return igzip;
}

export function decompressor(c: Compression): Duplex {
  if (c === 'none') return new PassThrough();
  if (c === 'gzip') {
    const fast = igzipPath();
    return fast ? programFilter(fast, ['-dc'], 'gzip') : createGunzip({ chunkSize: 256 * 1024 });
  }
  return programFilter('zstd', ['-dcq'], 'zstd', { hint: 'install it: apt install zstd', message: 'this image has zstd-compressed layers and the zstd program is missing' });
}

/**
 * A program from stdin to stdout as a stage. Its output ends only after it exited 0: a program
 * that stops on bad input (and so closes its stdout early) fails the stage, naming the cause.
 */
function programFilter(file: string, args: string[], what: string, missing?: { message: string; hint: string }): Duplex {
  const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT' && missing ? new NookError(missing.message, { hint: missing.hint }) : e));
    child.on('close', (code) => resolve(code));
  });
  exited.catch(() => undefined); // reported through the stream
  async function* output(): AsyncGenerator<Buffer> {
    yield* child.stdout as AsyncIterable<Buffer>;
    const code = await exited;
    if (code !== 0) throw new NookError(`${what} could not decompress the layer: ${err.trim().split('\n')[0] || `exit ${code}`}`);
  }
  const stage = Duplex.from({ writable: child.stdin, readable: Readable.from(output(), { objectMode: false }) });
  stage.on('close', () => child.kill());
  return stage;
}
