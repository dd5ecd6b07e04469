// Manifest, index and config checks: media-type lies are refused, platforms are chosen.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MT, parseImageConfig, parseManifest, sniffCompression } from '../../src/image/media-types.js';
import { choosePlatform, parsePlatform } from '../../src/image/platform.js';
import { parseChallenge, realmMayReceiveCredentials } from '../../src/image/registry/challenge.js';
import { endpointsFor, isInsecureHost } from '../../src/image/registry/endpoints.js';
import { createHash } from 'node:crypto';
import { chainIds } from '../../src/storage/digest.js';

const d = (c: string) => 'sha256:' + c.repeat(64);
const manifest = (extra: object = {}) => Buffer.from(JSON.stringify({
  schemaVersion: 2, mediaType: MT.ociManifest,
  config: { mediaType: MT.ociConfig, digest: d('c'), size: 10 },
  layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: d('1'), size: 5 }],
  ...extra,
}));
const index = Buffer.from(JSON.stringify({
  schemaVersion: 2, mediaType: MT.ociIndex,
  manifests: [
    { mediaType: MT.ociManifest, digest: d('a'), size: 1, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    { mediaType: MT.ociManifest, digest: d('b'), size: 1, platform: { os: 'linux', architecture: 'amd64' } },
    { mediaType: MT.ociManifest, digest: d('e'), size: 1, platform: { os: 'unknown', architecture: 'unknown' } },
  ],
}));

function throwsLike(fn: () => unknown, re: RegExp): void {
  try {
    fn();
    assert.unreachable('should throw');
  } catch (err) {
    assert.match((err as Error).message, re);
  }
}

test('manifests and indexes parse', () => {
  const m = parseManifest(manifest(), MT.ociManifest, undefined, 'm');
  assert.is(m.kind, 'manifest');
  const i = parseManifest(index, `${MT.ociIndex}; charset=utf-8`, undefined, 'i');
  assert.is(i.kind, 'index');
  // OCI allows mediaType to be absent: the header decides.
  const bare = Buffer.from(JSON.stringify({ ...JSON.parse(manifest().toString()), mediaType: undefined }));
  assert.is(parseManifest(bare, MT.ociManifest, undefined, 'm').kind, 'manifest');
});

test('a manifest that is not what it claims is refused', () => {
  throwsLike(() => parseManifest(manifest(), MT.dockerManifest, undefined, 'm'), /not what it claims/);
  throwsLike(() => parseManifest(manifest(), undefined, MT.ociIndex, 'm'), /not what it claims/);
  throwsLike(() => parseManifest(manifest({ mediaType: MT.ociIndex }), undefined, undefined, 'm'), /claims to be an index/);
  throwsLike(() => parseManifest(manifest({ layers: [{ mediaType: 'text/plain', digest: d('1'), size: 1 }] }), undefined, undefined, 'm'), /unsupported layer media type/);
  throwsLike(() => parseManifest(manifest({ config: { mediaType: 'application/vnd.cncf.helm.config.v1+json', digest: d('c'), size: 1 } }), undefined, undefined, 'm'), /not a container image/);
  throwsLike(() => parseManifest(manifest({ schemaVersion: 1 }), undefined, undefined, 'm'), /schemaVersion 1/);
  throwsLike(() => parseManifest(Buffer.from('nope'), undefined, undefined, 'm'), /not valid JSON/);
});

test('configs must match their manifest', () => {
  const cfg = (ids: string[]) => Buffer.from(JSON.stringify({ os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: ids } }));
  assert.is(parseImageConfig(cfg([d('1')]), 1, 'c').os, 'linux');
  throwsLike(() => parseImageConfig(cfg([d('1')]), 2, 'c'), /lists 1 layer diff ids but the manifest has 2/);
  throwsLike(() => parseImageConfig(Buffer.from('{"os":"linux"}'), 0, 'c'), /not an image config/);
});

test('compression is sniffed from the bytes', () => {
  assert.is(sniffCompression(Buffer.from([0x1f, 0x8b, 8])), 'gzip');
  assert.is(sniffCompression(Buffer.from([0x28, 0xb5, 0x2f, 0xfd])), 'zstd');
  assert.is(sniffCompression(Buffer.from('bin/')), 'none');
});

test('platform choice', () => {
  const i = parseManifest(index, undefined, undefined, 'i');
  assert.ok(i.kind === 'index');
  if (i.kind !== 'index') return;
  assert.is(choosePlatform(i.manifests, parsePlatform('linux/amd64'))?.digest, d('b'));
  assert.is(choosePlatform(i.manifests, parsePlatform('linux/arm64'))?.digest, d('a'));
  assert.is(choosePlatform(i.manifests, parsePlatform('linux/arm64/v8'))?.digest, d('a'));
  assert.is(choosePlatform(i.manifests, parsePlatform('linux/s390x')), undefined);
  throwsLike(() => parsePlatform('amd64'), /invalid platform/);
});

test('auth challenges and endpoints', () => {
  assert.equal(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"'), {
    scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' },
  });
  assert.is(parseChallenge('Basic realm="x"')?.scheme, 'basic');
  assert.ok(isInsecureHost('127.0.0.1:5000', []));
  assert.ok(isInsecureHost('localhost', []));
  assert.ok(isInsecureHost('[::1]:5000', []));
  assert.not.ok(isInsecureHost('registry.example:5000', []));
  assert.ok(isInsecureHost('registry.example:5000', ['registry.example:5000']));
  assert.equal(endpointsFor('docker.io', { insecure: [], mirrors: { 'docker.io': ['mirror.example'] } }).map((e) => e.base), ['https://mirror.example', 'https://registry-1.docker.io']);
  // credentials are looked up by the endpoint's own name: a mirror never borrows the registry's
  assert.equal(endpointsFor('docker.io', { insecure: [], mirrors: { 'docker.io': ['https://mirror.example/'] } }).map((e) => e.credentialsName), ['mirror.example', 'docker.io']);
});

test('a bearer realm gets the credentials over https, or when it is the challenging server itself', () => {
  const may = (realm: string, origin: string) => realmMayReceiveCredentials(new URL(realm), origin);
  assert.ok(may('https://auth.docker.io/token', 'https://registry-1.docker.io'));
  assert.ok(may('https://auth.example/token', 'http://127.0.0.1:5000'));
  assert.ok(may('http://127.0.0.1:5000/token', 'http://127.0.0.1:5000'));
  assert.not.ok(may('http://127.0.0.1:5001/token', 'http://127.0.0.1:5000'), 'another port is another host');
  assert.not.ok(may('http://auth.example/token', 'https://registry.example'), 'plain http to another host');
  assert.not.ok(may('http://registry.example/token', 'https://registry.example'), 'the same host downgraded to http');
});

test('chain ids', () => {
  const ids = chainIds([d('1'), d('2')]);
  assert.is(ids[0], d('1'));
  assert.is(ids[1], 'sha256:' + createHash('sha256').update(`${d('1')} ${d('2')}`).digest('hex'));
});

test.run();
