// Content digests: only sha256, the one every registry and image spec version uses.
import { createHash, type Hash } from 'node:crypto';
import { fail } from '../errors.js';

const SHA256 = /^sha256:([a-f0-9]{64})$/;

export function isDigest(s: string): boolean {
  return SHA256.test(s);
}

/** The hex part of a sha256 digest; fails on anything else (it names a file in the store). */
export function digestHex(digest: string): string {
  const m = SHA256.exec(digest);
  if (!m) fail(`unsupported or malformed digest "${digest}"`, 'only sha256 digests are supported');
  return m[1]!;
}

export function sha256Digest(data: Uint8Array | string): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

/** A running sha256 with a byte count, for streams. */
export class DigestCounter {
  private readonly hash: Hash = createHash('sha256');
  bytes = 0;
  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
  }
  digest(): string {
    return 'sha256:' + this.hash.digest('hex');
  }
}

/** Chain ids (OCI image spec): each names a layer together with everything below it. */
export function chainIds(diffIds: string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) {
    const prev = out[out.length - 1];
    out.push(prev === undefined ? d : sha256Digest(`${prev} ${d}`));
  }
  return out;
}
