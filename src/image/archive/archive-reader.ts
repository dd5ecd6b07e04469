// Reads an image archive (plain or gzip tar, from a file or stdin) in one pass into a private
// spool dir: each regular file becomes a numbered file there, never a path the archive chose,
// so a hostile name cannot reach the disk. Names with `..` or an absolute path, links leaving
// the archive, and a manifest naming a file that is not there are refused with one line.
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { join, posix } from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { NookError } from '../../errors.js';
import { DigestCounter } from '../../storage/digest.js';
import { EntryRefused, entryComponents } from '../../nsworker/entry-rules.js';
import { gunzipIfNeeded, isZlibError } from './gunzip.js';
import { TarFormatError, TarReader, type TarEntry, type TarSink } from '../../nsworker/tar-reader.js';

export interface SpooledFile {
  path: string;
  digest: string;
  size: number;
}

type Spooled = SpooledFile | { link: string };

/** A link may point at a link; more hops than this is a loop. */
const MAX_LINK_HOPS = 16;

export class ArchiveFiles {
  constructor(private readonly files: Map<string, Spooled>) {}

  has(name: string): boolean {
    return this.lookup(name) !== undefined;
  }

  /** The file an archive name means, following links inside the archive. */
  get(name: string, namedBy: string): SpooledFile {
    const f = this.lookup(name);
    if (!f) throw new NookError(`the archive's ${namedBy} names "${name}", which the archive does not contain`, { hint: 'the archive is damaged or incomplete' });
    return f;
  }

  /** A small file read whole (a manifest, a config), refusing more than `max` bytes. */
  read(name: string, namedBy: string, max: number): Buffer {
    const f = this.get(name, namedBy);
    if (f.size > max) throw new NookError(`"${name}" in the archive is ${f.size} bytes, more than the ${max} allowed`);
    const buf = Buffer.alloc(f.size);
    const fd = openSync(f.path, 'r');
    try {
      let off = 0;
      while (off < f.size) {
        const n = readSync(fd, buf, off, f.size - off, off);
        if (n === 0) break;
        off += n;
      }
    } finally {
      closeSync(fd);
    }
    return buf;
  }

  /** The first bytes of a file, to tell its compression. */
  head(f: SpooledFile, n = 8): Buffer {
    const buf = Buffer.alloc(Math.min(n, f.size));
    const fd = openSync(f.path, 'r');
    try {
      readSync(fd, buf, 0, buf.length, 0);
    } finally {
      closeSync(fd);
    }
    return buf;
  }

  private lookup(name: string): SpooledFile | undefined {
    let key = normalise(name);
    for (let hop = 0; hop <= MAX_LINK_HOPS; hop++) {
      const f = key === undefined ? undefined : this.files.get(key);
      if (!f || !('link' in f)) return f;
      key = f.link;
    }
    return undefined;
  }
}

/** An archive name as a key: `./a//b` is `a/b`; undefined for names that leave the archive. */
function normalise(name: string): string | undefined {
  try {
    return entryComponents(name).join('/');
  } catch {
    return undefined;
  }
}

function refused(entry: string, why: string): NookError {
  return new NookError(`archive entry "${entry}": refused: ${why}`, { hint: 'the archive is damaged or hostile' });
}

class SpoolSink implements TarSink {
  readonly files = new Map<string, Spooled>();
  private current: { name: string; fd: number; path: string; counter: DigestCounter } | undefined;
  private count = 0;

  constructor(private readonly dir: string) {}

  entry(e: TarEntry): void {
    let parts: string[];
    try {
      parts = entryComponents(e.path);
    } catch (err) {
      if (err instanceof EntryRefused) throw refused(e.path, err.message);
      throw err;
    }
    const name = parts.join('/');
    if (e.kind === 'file') {
      if (e.sparse) throw refused(e.path, 'a sparse file in an image archive');
      const path = join(this.dir, String(this.count++));
      this.current = { name, fd: openSync(path, 'wx', 0o600), path, counter: new DigestCounter() };
    } else if (e.kind === 'symlink') {
      if (e.linkpath.startsWith('/')) throw refused(e.path, 'a link to an absolute path');
      const target = normalise(posix.join(posix.dirname(name), e.linkpath));
      if (target === undefined) throw refused(e.path, 'a link leading out of the archive');
      this.files.set(name, { link: target });
    } else if (e.kind === 'hardlink') {
      const target = normalise(e.linkpath);
      if (target === undefined) throw refused(e.path, 'a link leading out of the archive');
      this.files.set(name, { link: target });
    }
    // directories need no record; devices and fifos have no place in an image archive
  }

  data(chunk: Buffer): void {
    const c = this.current;
    if (!c) return;
    let off = 0;
    while (off < chunk.length) off += writeSync(c.fd, chunk, off, chunk.length - off);
    c.counter.update(chunk);
  }

  endEntry(): void {
    const c = this.current;
    if (!c) return;
    closeSync(c.fd);
    this.files.set(c.name, { path: c.path, digest: c.counter.digest(), size: c.counter.bytes });
    this.current = undefined;
  }
}

/** Reads the whole archive into `dir`, an empty dir of ours. */
export async function spoolArchive(input: Readable, dir: string): Promise<ArchiveFiles> {
  const sink = new SpoolSink(dir);
  const reader = new TarReader(sink);
  const tarIn = new Writable({
    write(chunk: Buffer, _enc, cb) {
      try {
        reader.push(chunk);
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
    final(cb) {
      try {
        reader.end();
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
  });
  try {
    await pipeline(input, gunzipIfNeeded, tarIn);
  } catch (err) {
    if (err instanceof NookError) throw err;
    if (err instanceof TarFormatError) throw new NookError(`the archive is not a valid tar: ${err.message.replace(/^layer tar/, 'archive')}`);
    if (isZlibError(err)) throw new NookError(`the archive's gzip data is damaged: ${err.message}`);
    throw err;
  }
  return new ArchiveFiles(sink.files);
}
