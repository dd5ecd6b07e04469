// Archives and tarballs arrive plain or gzip-compressed; the first two bytes tell which.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

/** A pipeline stage passing its input through, gunzipped when it starts with gzip's magic. */
export async function* gunzipIfNeeded(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  let ended = false;
  while (head.length < 2 && !ended) {
    const r = await it.next();
    if (r.done) ended = true;
    else head = Buffer.concat([head, r.value]);
  }
  async function* all(): AsyncGenerator<Buffer> {
    if (head.length) yield head;
    if (ended) return;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  }
  if (!(head[0] === 0x1f && head[1] === 0x8b)) return yield* all();
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  pipeline(Readable.from(all()), gunzip).catch((err: Error) => gunzip.destroy(err));
  yield* gunzip as AsyncIterable<Buffer>;
}

/** zlib's errors (Z_DATA_ERROR ...) as one line about the input. */
export function isZlibError(err: unknown): err is NodeJS.ErrnoException {
  return typeof (err as NodeJS.ErrnoException)?.code === 'string' && (err as NodeJS.ErrnoException).code!.startsWith('Z_');
}
