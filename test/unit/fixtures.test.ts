// The test fixtures checked with independent tools (GNU tar, skopeo, zlib), so that a
// broken fixture cannot make the image tests pass or fail for the wrong reason.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { debUrisForSuite } from '../fixtures/apt-mirror.mjs';
import { HOSTILE_NAMES, buildHostileLayouts } from '../fixtures/hostile.mjs';
import { addTarLayer, blobPath, hashFile, initLayout, readLayoutImage, writeImage } from '../fixtures/oci-layout.mjs';
import { tarOf } from '../fixtures/tar-entries.mjs';

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const scratch = () => mkdtempSync(join(tmpdir(), 'nook-fixtures-test-'));

test('tar writer: GNU tar lists names, link targets, owners and devices verbatim', () => {
  const longName = `dir/${'x'.repeat(150)}`;
  const longTarget = `/${'t'.repeat(120)}`;
  const tar = tarOf([
    [{ name: '../../escape' }, 'data'],
    [{ name: '/etc/evil' }, 'evil'],
    [{ name: longName, uid: 1000, gid: 1001 }, 'long'],
    [{ name: 'link', type: 'symlink', linkname: longTarget }],
    [{ name: 'hard', type: 'hardlink', linkname: '../../etc/passwd' }],
    [{ name: 'null', type: 'char', devmajor: 1, devminor: 3 }],
    [{ name: 'suid', mode: 0o4755 }, ''],
  ]);
  const listing = execFileSync('tar', ['-tv', '--numeric-owner', '--absolute-names', '-f', '-'], { input: tar, encoding: 'utf8' })
    .trim().split('\n').map((line) => line.split(/\s+/));
  assert.equal(listing.map((f) => f[0]), ['-rw-r--r--', '-rw-r--r--', '-rw-r--r--', 'lrwxrwxrwx', 'hrw-r--r--', 'crw-rw-rw-', '-rwsr-xr-x']);
  assert.equal(listing[0][5], '../../escape');
  assert.equal(listing[1][5], '/etc/evil');
  assert.equal(listing[2][1], '1000/1001');
  assert.equal(listing[2][5], longName);
  assert.equal(listing[3][7], longTarget);
  assert.equal(listing[4][8], '../../etc/passwd');
  assert.equal(listing[5][2], '1,3');
});

test('layout: blobs hash to their names, diffIDs match the layers, skopeo reads it', async () => {
  const dir = scratch();
  try {
    await initLayout(dir);
    const first = await addTarLayer(dir, [tarOf([[{ name: 'a' }, 'first']])]);
    const second = await addTarLayer(dir, [tarOf([[{ name: 'b' }, 'second']])]);
    await writeImage(dir, { tag: 'v1', layers: [first, second], config: { Cmd: ['sh'] } });
    for (const name of readdirSync(join(dir, 'blobs', 'sha256'))) {
      assert.equal((await hashFile(join(dir, 'blobs', 'sha256', name))).digest, `sha256:${name}`);
    }
    const diffIDs = [first, second].map((l) => sha256(gunzipSync(readFileSync(blobPath(dir, l.digest)))));
    const config = JSON.parse(execFileSync('skopeo', ['inspect', '--config', `oci:${dir}:v1`], { encoding: 'utf8' }));
    assert.equal(config.rootfs.diff_ids, diffIDs);
    assert.equal(config.config.Cmd, ['sh']);
    const { manifest } = await readLayoutImage(dir);
    assert.equal(manifest.layers.map((l) => l.digest), [first.digest, second.digest]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('hostile layouts: each attack is built and the mismatches are real', async () => {
  const dir = scratch();
  try {
    const built = await buildHostileLayouts(dir, '/tmp/nook-outside-test');
    assert.equal([...built.map((h) => h.name), 'bomb'].sort(), [...HOSTILE_NAMES].sort());
    const byName = Object.fromEntries(built.map((h) => [h.name, h]));

    const mismatch = await readLayoutImage(byName['digest-mismatch'].layoutDir);
    const layer = mismatch.manifest.layers[0];
    const stored = await hashFile(blobPath(byName['digest-mismatch'].layoutDir, layer.digest));
    assert.is.not(stored.digest, layer.digest);
    assert.is(stored.size, layer.size);

    const diff = await readLayoutImage(byName['diffid-mismatch'].layoutDir);
    const configPath = blobPath(byName['diffid-mismatch'].layoutDir, diff.manifest.config.digest);
    const realDiffID = sha256(gunzipSync(readFileSync(blobPath(byName['diffid-mismatch'].layoutDir, diff.manifest.layers[0].digest))));
    assert.is.not(JSON.parse(readFileSync(configPath, 'utf8')).rootfs.diff_ids[0], realDiffID);

    const garbage = await readLayoutImage(byName['garbage-config'].layoutDir);
    assert.throws(() => JSON.parse(readFileSync(blobPath(byName['garbage-config'].layoutDir, garbage.manifest.config.digest), 'utf8')));

    const parent = await readLayoutImage(byName['symlink-parent'].layoutDir);
    const listing = execFileSync('tar', ['-tzf', blobPath(byName['symlink-parent'].layoutDir, parent.manifest.layers[0].digest)], { encoding: 'utf8' });
    assert.equal(listing.trim().split('\n'), ['hello', 'dir', 'dir/tmp/nook-outside-test/via-parent']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('apt mirror: deb URIs for a suite from one-line and deb822 sources', () => {
  const list = [
    '# comment',
    'deb http://mirror.example/debian bookworm main',
    'deb [arch=amd64 signed-by=/k.gpg] http://other.example/debian bookworm main',
    'deb-src http://src.example/debian bookworm main',
    'deb http://security.example/debian-security bookworm-security main',
  ].join('\n');
  assert.equal(debUrisForSuite(list, 'bookworm', 'list'), ['http://mirror.example/debian', 'http://other.example/debian']);
  const deb822 = [
    'Types: deb',
    'URIs: http://mirror.example/debian',
    'Suites: bookworm bookworm-updates',
    'Components: main',
    '',
    'Types: deb',
    'URIs: http://disabled.example/debian',
    'Suites: bookworm',
    'Enabled: no',
    '',
    'Types: deb',
    'URIs: http://security.example/debian-security',
    'Suites: bookworm-security',
  ].join('\n');
  assert.equal(debUrisForSuite(deb822, 'bookworm', 'deb822'), ['http://mirror.example/debian']);
});

test.run();
