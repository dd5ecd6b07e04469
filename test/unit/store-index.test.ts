// The store's atomicity and locking: concurrent index updates lose nothing; a blob whose bytes
// do not match its digest never reaches blobs/.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeLayout, blobPath, layerDiffDir, layerLockPath, layerRecordPath } from '../../src/storage/layout.js';
import { storeTempDir, storeTempFile } from '../../src/storage/atomic.js';
import { claimDeadLeftovers } from '../../src/storage/leftovers.js';
import { tryLockExclusive, withLock } from '../../src/storage/lock.js';
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

test('leftovers: only what no live holder locks is claimed, and it stays claimed until released', () => {
  const s = tempStore();
  const chain = (n: number) => sha256Digest(`layer${n}`);
  const hex = (n: number) => chain(n).slice(7);
  // live: a temp file, a temp dir, a layer being written under its lock, a complete layer
  const liveFile = storeTempFile(s, 'blob', 0o644);
  const liveDir = storeTempDir(s, 'load');
  mkdirSync(layerDiffDir(s, chain(1)), { recursive: true });
  mkdirSync(s.locksDir);
  const writer = openSync(layerLockPath(s, chain(1)), 'a');
  assert.ok(tryLockExclusive(writer));
  mkdirSync(layerDiffDir(s, chain(2)), { recursive: true });
  writeFileSync(layerRecordPath(s, chain(2)), '{}');
  writeFileSync(layerLockPath(s, chain(2)), '');
  // dead: what processes killed at each step leave
  writeFileSync(join(s.tmpDir, 'blob-0123'), 'half');
  mkdirSync(join(s.tmpDir, 'export-4567', 'upper'), { recursive: true });
  symlinkSync('/etc', join(s.tmpDir, 'odd'));
  mkdirSync(s.blobsDir, { recursive: true });
  writeFileSync(join(s.blobsDir, `.tmp-${'a'.repeat(64)}-99`), 'half');
  writeFileSync(join(s.root, '.tmp-images.json-99'), '{');
  mkdirSync(layerDiffDir(s, chain(3)), { recursive: true });
  writeFileSync(layerLockPath(s, chain(3)), '');
  mkdirSync(layerDiffDir(s, chain(4)), { recursive: true }); // its lock file was never made
  writeFileSync(layerLockPath(s, chain(5)), ''); // a failed pull's lock, its layer removed
  const dead = claimDeadLeftovers(s);
  assert.equal(dead.files.sort(), [join(s.root, '.tmp-images.json-99'), join(s.blobsDir, `.tmp-${'a'.repeat(64)}-99`), join(s.tmpDir, 'blob-0123'), join(s.tmpDir, 'odd')].sort());
  assert.equal(dead.dirs.sort(), [join(s.tmpDir, 'export-4567'), join(s.layersDir, hex(3)), join(s.layersDir, hex(4))].sort());
  assert.equal(dead.lockFiles.sort(), [layerLockPath(s, chain(3)), layerLockPath(s, chain(4)), layerLockPath(s, chain(5))].sort());
  assert.is(dead.count, 8);
  // claimed means locked: a second sweeper (another shell) finds nothing to take but the
  // link, which nothing can lock and which both may remove
  const second = claimDeadLeftovers(s);
  assert.equal([...second.files, ...second.dirs, ...second.lockFiles], [join(s.tmpDir, 'odd')]);
  second.release();
  dead.release();
  assert.is(claimDeadLeftovers(s).count, 8, 'released, not removed: claimable again');
  closeSync(liveFile.fd);
  closeSync(liveDir.fd);
  closeSync(writer);
  const all = claimDeadLeftovers(s);
  assert.ok(all.files.includes(liveFile.path) && all.dirs.includes(liveDir.path) && all.dirs.includes(join(s.layersDir, hex(1))), 'their writers gone, they are leftovers too');
  all.release();
});

test('a lock file unlinked by its holder: a waiter on the old file takes the new one, never beside its holder', async () => {
  const path = join(tempStore().root, 'locks', 'x.lock');
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const events: string[] = [];
  const others: Array<Promise<void>> = [];
  await withLock(path, async () => {
    others.push(withLock(path, () => {
      events.push('waiter');
    }));
    await sleep(30); // the waiter has the file open and polls
    rmSync(path); // as a sweeper removes a dead layer's lock while holding it
    others.push(withLock(path, async () => {
      events.push('third in');
      await sleep(150);
      events.push('third out');
    }));
  });
  await Promise.all(others);
  assert.equal(events, ['third in', 'third out', 'waiter']);
});

test.run();
