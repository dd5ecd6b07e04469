// Writes a tar archive entry by entry, file contents streamed from disk: ustar headers, with a
// PAX header for what ustar cannot hold (long names, sizes of 8 GiB and more).
import { createReadStream } from 'node:fs';
import { NookError } from '../../errors.js';

const BLOCK = 512;
const USTAR_MAX_SIZE = 0o77777777777;

/** A directory entry has no content; readers that create missing parents themselves may
 * give them owners they cannot set (skopeo untarring as a user), so directories are explicit. */
export type ArchiveSource = { file: string } | { data: Buffer } | { directory: true };

export interface ArchiveEntry {
  name: string;
  size: number;
  source: ArchiveSource;
}

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  // The length prefix counts itself: grow it until it is stable.
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return `${len}${body}`;
}

/** One ustar header block. Pure. */
export function tarHeader(h: { name: string; size: number; type: '0' | '5' | 'x'; mode: number; mtime: number }): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(h.name, 0, 100, 'utf8');
  b.write(octal(h.mode, 8), 100, 'latin1');
  b.write(octal(0, 8), 108, 'latin1');
  b.write(octal(0, 8), 116, 'latin1');
  b.write(octal(Math.min(h.size, USTAR_MAX_SIZE), 12), 124, 'latin1');
  b.write(octal(h.mtime, 12), 136, 'latin1');
  b.write(h.type, 156, 'latin1');
  b.write('ustar\0' + '00', 257, 'latin1');
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of b) sum += x;
  b.write(octal(sum, 7) + ' ', 148, 'latin1');
  return b;
}

const padding = (size: number): Buffer => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);

/** The header blocks of one entry: a PAX header first when ustar cannot hold its name or size. */
export function entryHeader(name: string, size: number, mtime: number, directory = false): Buffer {
  const records = (Buffer.byteLength(name) > 100 ? paxRecord('path', name) : '') + (size > USTAR_MAX_SIZE ? paxRecord('size', String(size)) : '');
  const main = tarHeader({ name: Buffer.byteLength(name) > 100 ? name.slice(0, 99) : name, size, type: directory ? '5' : '0', mode: directory ? 0o755 : 0o644, mtime });
  if (records === '') return main;
  const pax = Buffer.from(records, 'utf8');
  return Buffer.concat([tarHeader({ name: 'PaxHeader', size: pax.length, type: 'x', mode: 0o644, mtime }), pax, padding(pax.length), main]);
}

/** The archive's bytes, entry by entry; a file whose size changed under us is an error. */
export async function* tarStream(entries: ArchiveEntry[], mtime = 0): AsyncGenerator<Buffer> {
  for (const e of entries) {
    if ('directory' in e.source) {
      yield entryHeader(e.name, 0, mtime, true);
      continue;
    }
    yield entryHeader(e.name, e.size, mtime);
    let n = 0;
    if ('data' in e.source) {
      n = e.source.data.length;
      yield e.source.data;
    } else {
      for await (const chunk of createReadStream(e.source.file, { highWaterMark: 1 << 20 })) {
        n += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
    }
    if (n !== e.size) throw new NookError(`${e.name} is ${n} bytes, expected ${e.size}: the store changed while saving`);
    yield padding(e.size);
  }
  yield Buffer.alloc(BLOCK * 2);
}
