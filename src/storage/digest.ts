// Content digests: only sha256, the one every registry and image spec version uses.
// Small one-shot inputs (configs, manifests, chain ids) go through @noble/hashes: `nook run`
// checks its image's config on every start, and loading node:crypto (OpenSSL) cost it 7 ms.
// Streams (layers, many MB) use node:crypto, loaded on first use, which is several times faster.
import type { Hash } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import { fail } from '../errors.js';
import { crypto } from '../util/lazy-require.js';

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
  return 'sha256:' + bytesToHex(sha256(typeof data === 'string' ? utf8ToBytes(data) : data));
}

/** A running sha256 with a byte count, for streams. */
export class DigestCounter {
  private readonly hash: Hash = crypto().createHash('sha256');
  private done: string | undefined;
  bytes = 0;
  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
  }
  /** The digest of what was fed so far; after it, the counter takes no more input. */
  digest(): string {
    return (this.done ??= 'sha256:' + this.hash.digest('hex'));
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
