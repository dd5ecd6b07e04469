// The store's atomicity and locking: concurrent index updates lose nothing; a blob whose bytes
// do not match its digest never reaches blobs/.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeLayout, blobPath } from '../../src/storage/layout.js';
import { readImageIndex, setTag, updateImageIndex, type ImageRecord } from '../../src/storage/image-index.js';
import { BlobWriter, putBlob } from '../../src/storage/blobs.js';
import { sha256Digest } from '../../src/storage/digest.js';

const made: string[] = [];
function tempStore() {
  const d = mkdtempSync(join(tmpdir(), 'nook-store-'));
  made.push(d);
  return storeLayout(d);
}
test.after(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

const record = (n: number): ImageRecord => ({
  id: sha256Digest(`img${n}`), repoTags: [], repoDigests: [], manifestDigest: sha256Digest(`m${n}`), manifestMediaType: 'x',
  chainIds: [], diffIds: [], size: 0, unpackedSize: 0, created: undefined, os: 'linux', architecture: 'amd64', variant: undefined, pulledAt: '',
});

test('concurrent index updates under the lock lose nothing', async () => {
  const s = tempStore();
  await Promise.all(Array.from({ length: 20 }, (_v, n) => updateImageIndex(s, async (index) => {
    index.images[record(n).id] = record(n);
  })));
  assert.is(Object.keys(readImageIndex(s).images).length, 20);
  assert.equal(readdirSync(s.root).filter((f) => f.startsWith('.tmp-')), [], 'no temp files left');
});

test('a tag moves from one image to another', async () => {
  const s = tempStore();
  await updateImageIndex(s, (index) => {
    index.images[record(1).id] = record(1);
    index.images[record(2).id] = record(2);
    setTag(index, 'docker.io/library/x:latest', record(1).id);
    setTag(index, 'docker.io/library/x:latest', record(2).id);
  });
  const index = readImageIndex(s);
  assert.equal(index.images[record(1).id]!.repoTags, []);
  assert.equal(index.images[record(2).id]!.repoTags, ['docker.io/library/x:latest']);
});

test('blobs are verified before they are stored', () => {
  const s = tempStore();
  const data = Buffer.from('content');
  const digest = sha256Digest(data);
  const w = new BlobWriter(s);
  w.write(Buffer.from('tampered'));
  assert.throws(() => w.commit(digest, data.length), /does not match/);
  assert.not.ok(existsSync(blobPath(s, digest)));
  assert.equal(readdirSync(s.tmpDir), [], 'the temp file is removed');
  assert.throws(() => putBlob(s, digest, Buffer.from('other')), /does not match/);
  const ok = new BlobWriter(s);
  ok.write(data);
  ok.commit(digest, data.length);
  assert.ok(existsSync(blobPath(s, digest)));
});

test.run();
