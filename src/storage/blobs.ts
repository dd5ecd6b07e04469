// Content-addressed blobs: a blob is only ever renamed into blobs/sha256/<hex> after its bytes
// were hashed and matched, so whatever sits there is trusted.
import { closeSync, existsSync, fsyncSync, mkdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { storeTempFile, writeFileAtomic } from './atomic.js';
import { NookError } from '../errors.js';
import { DigestCounter, sha256Digest } from './digest.js';
import { blobPath, type StoreLayout } from './layout.js';
import { diskFullReason } from './disk-space.js';

export function hasBlob(s: StoreLayout, digest: string): boolean {
  return existsSync(blobPath(s, digest));
}

/** Stores a small blob (manifest, config) after checking its digest. */
export function putBlob(s: StoreLayout, digest: string, data: Buffer): void {
  const got = sha256Digest(data);
  if (got !== digest) throw new NookError(`blob ${digest} does not match its digest (got ${got})`);
  if (!hasBlob(s, digest)) writeFileAtomic(blobPath(s, digest), data, 0o644);
}

/** Reads a small blob and checks it again: a damaged store must not feed a wrong config. */
export function readBlob(s: StoreLayout, digest: string): Buffer {
  const data = readFileSync(blobPath(s, digest));
  if (sha256Digest(data) !== digest) throw new NookError(`stored blob ${digest} is damaged`, { hint: 'run `nook system check`, then pull the image again' });
  return data;
}

/** A blob being written from a stream into tmp/ (locked: see atomic.ts); renamed into place only by commit(). */
export class BlobWriter {
  private readonly fd: number;
  private open = true;
  /** What was written so far: a stream that keeps the blob need not hash its bytes twice. */
  readonly counter = new DigestCounter();
  readonly tmp: string;

  constructor(private readonly s: StoreLayout) {
    mkdirSync(s.blobsDir, { recursive: true, mode: 0o755 });
    const t = storeTempFile(s, 'blob', 0o644);
    this.tmp = t.path;
    this.fd = t.fd;
  }

  write(chunk: Buffer): void {
    this.counter.update(chunk);
    let off = 0;
    try {
      while (off < chunk.length) off += writeSync(this.fd, chunk, off, chunk.length - off);
    } catch (err) {
      const full = diskFullReason(err);
      throw full ? new NookError(`cannot store a blob: ${full}`) : err;
    }
  }

  /** Checks digest and size, then fsync and rename. Throws (and cleans up) on a mismatch. */
  commit(digest: string, size: number): void {
    try {
      const got = this.counter.digest();
      if (got !== digest || this.counter.bytes !== size) throw new NookError(`blob ${digest} does not match: got ${got}, ${this.counter.bytes} bytes`);
      fsyncSync(this.fd);
      renameSync(this.tmp, blobPath(this.s, digest));
      this.close(); // after the rename: until then the lock says the temp is ours
    } catch (err) {
      this.abort();
      throw err;
    }
  }

  /** Removes the temp (nothing after a commit). */
  abort(): void {
    if (!this.open) return;
    rmSync(this.tmp, { force: true });
    this.close();
  }

  private close(): void {
    this.open = false;
    closeSync(this.fd);
  }
}
