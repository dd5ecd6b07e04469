// Image archives without a store: the tar writer read back by node-tar and by nook's own
// reader, both archive layouts, gzip detection, hostile archive entries, the --change parser,
// registry names for login, and the export plan.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar';
import { tarStream, type ArchiveEntry } from '../../src/image/archive/tar-writer.js';
import { planDockerArchive, planOciArchive, type SavedImage } from '../../src/image/archive/save-plan.js';
import { spoolArchive } from '../../src/image/archive/archive-reader.js';
import { archivedImages } from '../../src/image/archive/archive-images.js';
import { applyChange } from '../../src/image/archive/changes.js';
import { registryDomain } from '../../src/image/auth/verify-login.js';
import { planExport } from '../../src/image/archive/container-export.js';
import { buildTar, sha256, type TarSpec } from './image-tar-builder.js';

const made: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'nook-archive-'));
  made.push(d);
  return d;
}
test.after(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

async function collect(entries: ArchiveEntry[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of tarStream(entries)) parts.push(b);
  return Buffer.concat(parts);
}

async function listWithNodeTar(archive: Buffer): Promise<Map<string, string>> {
  const seen = new Map<string, string>();
  const parser = new tar.Parser({
    onReadEntry: (e) => {
      let body = '';
      e.on('data', (c: Buffer) => (body += c.toString()));
      e.on('end', () => seen.set(e.path, body));
    },
  });
  await new Promise<void>((resolve, reject) => {
    parser.on('end', resolve);
    parser.on('error', reject);
    parser.end(archive);
  });
  return seen;
}

const spool = async (archive: Buffer) => spoolArchive(Readable.from([archive]), tempDir());

test('the tar writer is read back by node-tar, long names through PAX', async () => {
  const dir = tempDir();
  const file = join(dir, 'f');
  writeFileSync(file, 'from a file');
  const long = 'd/' + 'x'.repeat(150);
  const archive = await collect([
    { name: 'dir/', size: 0, source: { directory: true } },
    { name: 'dir/data', size: 5, source: { data: Buffer.from('hello') } },
    { name: 'dir/file', size: 11, source: { file } },
    { name: long, size: 3, source: { data: Buffer.from('abc') } },
  ]);
  assert.is(archive.length % 512, 0);
  const seen = await listWithNodeTar(archive);
  assert.is(seen.get('dir/data'), 'hello');
  assert.is(seen.get('dir/file'), 'from a file');
  assert.is(seen.get(long), 'abc');
});

test('the tar writer refuses a file whose size changed', async () => {
  const dir = tempDir();
  const file = join(dir, 'f');
  writeFileSync(file, 'short');
  try {
    await collect([{ name: 'f', size: 99, source: { file } }]);
    assert.unreachable('should have thrown');
  } catch (err) {
    assert.match((err as Error).message, /is 5 bytes, expected 99/);
  }
});

function savedImage(dir: string, tag: string): SavedImage {
  const layer = gzipSync(buildTar([{ path: 'hello', body: 'hi' }]));
  const file = join(dir, 'layer');
  writeFileSync(file, layer);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(buildTar([{ path: 'hello', body: 'hi' }]))] } }));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: layer.length }],
  }));
  return {
    id: sha256(config), config,
    manifest: { digest: sha256(manifest), mediaType: 'application/vnd.oci.image.manifest.v1+json', body: manifest },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: layer.length, file }],
    tags: [tag],
  };
}

test('docker-archive: manifest.json, repositories, config, each shared layer once; read back', async () => {
  const dir = tempDir();
  const img = savedImage(dir, 'docker.io/library/busybox:latest');
  const entries = planDockerArchive([img, { ...img, tags: ['example.com/a/b:v1'] }]);
  const layerName = `${img.layers[0]!.digest.slice(7)}/layer.tar`;
  assert.is(entries.filter((e) => e.name === layerName).length, 1);
  const files = await spool(await collect(entries));
  const manifest = JSON.parse(files.read('manifest.json', 'test', 1 << 20).toString()) as Array<{ RepoTags: string[]; Layers: string[]; Config: string }>;
  assert.equal(manifest.map((m) => m.RepoTags), [['busybox:latest'], ['example.com/a/b:v1']]);
  assert.equal(JSON.parse(files.read('repositories', 'test', 1 << 20).toString()), { busybox: { latest: layerName.split('/')[0] }, 'example.com/a/b': { v1: layerName.split('/')[0] } });
  const images = archivedImages(files);
  assert.is(images.length, 2);
  assert.is(images[0]!.configDigest, img.id);
  assert.equal(images[0]!.tags, ['docker.io/library/busybox:latest']);
  assert.is(images[0]!.layers[0]!.desc.digest, img.layers[0]!.digest);
  assert.is(images[0]!.layers[0]!.desc.mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
});

test('OCI layout: index.json names each tag, blobs by digest; read back gzipped, manifest kept byte for byte', async () => {
  const img = savedImage(tempDir(), 'docker.io/library/busybox:latest');
  const archive = await collect(planOciArchive([img]));
  const files = await spool(gzipSync(archive));
  const index = JSON.parse(files.read('index.json', 'test', 1 << 20).toString()) as { manifests: Array<{ digest: string; annotations: Record<string, string> }> };
  assert.is(index.manifests[0]!.annotations['org.opencontainers.image.ref.name'], 'docker.io/library/busybox:latest');
  const [loaded] = archivedImages(files);
  assert.is(loaded!.manifest.digest, img.manifest.digest);
  assert.ok(loaded!.manifest.body.equals(img.manifest.body));
  assert.equal(loaded!.tags, ['docker.io/library/busybox:latest']);
});

async function refusal(archive: Buffer): Promise<string> {
  try {
    archivedImages(await spool(archive));
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('the archive was accepted');
}

test('hostile archives: traversal, absolute names, links out, missing files, digest mismatch', async () => {
  const layout = (extra: TarSpec[]) => buildTar([{ path: 'oci-layout', body: '{"imageLayoutVersion":"1.0.0"}' }, ...extra]);
  assert.match(await refusal(layout([{ path: '../evil', body: 'x' }])), /archive entry "..\/evil": refused: path with a ".." component/);
  assert.match(await refusal(layout([{ path: '/etc/evil', body: 'x' }])), /archive entry "\/etc\/evil": refused: absolute path/);
  assert.match(await refusal(layout([{ path: 'manifest.json', type: '2', linkpath: '../../etc/passwd' }])), /refused: a link leading out of the archive/);
  assert.match(await refusal(layout([{ path: 'manifest.json', body: '[{"Config":"c.json","RepoTags":null,"Layers":["l.tar"]}]' }])), /manifest.json names "c.json", which the archive does not contain/);
  const body = Buffer.from('{}');
  const wrong = sha256(Buffer.from('something else'));
  const index = { schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: wrong, size: body.length }] };
  assert.match(await refusal(layout([{ path: 'index.json', body: JSON.stringify(index) }, { path: `blobs/sha256/${wrong.slice(7)}`, body }])), /does not match its digest/);
  assert.match(await refusal(layout([])), /neither a docker-archive .* nor an OCI image layout/);
  assert.match(await refusal(gzipSync(buildTar([{ path: 'a', body: 'x' }])).subarray(0, 30)), /gzip data is damaged|not a valid tar/);
});

test('a link inside the archive is followed (older docker save shares layers so)', async () => {
  const files = await spool(buildTar([{ path: 'a/layer.tar', body: 'data' }, { path: 'b/layer.tar', type: '2', linkpath: '../a/layer.tar' }]));
  assert.is(readFileSync(files.get('b/layer.tar', 'test').path, 'utf8'), 'data');
});

test('--change: CMD and ENTRYPOINT in both forms, ENV, EXPOSE, LABEL, refusals', () => {
  let c = applyChange({}, 'CMD ["/bin/sh", "-c", "echo hi"]');
  assert.equal(c.Cmd, ['/bin/sh', '-c', 'echo hi']);
  c = applyChange(c, 'ENTRYPOINT echo hello');
  assert.equal(c.Entrypoint, ['/bin/sh', '-c', 'echo hello']);
  c = applyChange(c, 'ENV A=1 B="two words"');
  c = applyChange(c, 'ENV A 3');
  assert.equal(c.Env, ['A=3', 'B=two words']);
  c = applyChange(c, 'EXPOSE 80 53/udp');
  assert.equal(Object.keys(c.ExposedPorts ?? {}), ['80/tcp', '53/udp']);
  c = applyChange(c, 'LABEL a=b');
  assert.equal(c.Labels, { a: 'b' });
  assert.throws(() => applyChange({}, 'ONBUILD RUN x'), /ONBUILD is not supported/);
  assert.throws(() => applyChange({}, 'EXPOSE http'), /not PORT/);
  assert.throws(() => applyChange({}, 'CMD'), /expected an instruction and its argument/);
});

test('login: registry names normalised', () => {
  assert.is(registryDomain('https://127.0.0.1:5000/v2/'), '127.0.0.1:5000');
  assert.is(registryDomain('index.docker.io'), 'docker.io');
  assert.is(registryDomain('Registry.Example.com'), 'registry.example.com');
  assert.throws(() => registryDomain('a b'), /invalid registry/);
});

test('export plan: the container upper becomes the top lower; its own upper and work are not mounted', () => {
  const plan = [
    ['version', '1'], ['uid-map', '0', '1000', '1'], ['gid-map', '0', '1000', '1'], ['unshare-net'],
    ['rootfs-overlay', '/s/l2:/s/l1', '/c/upper', '/c/work'], ['proc', '/proc'], ['exec', 'sh'],
  ] as const;
  const out = planExport(plan, { upper: '/t/upper', work: '/t/work' }, 4);
  assert.equal(out.find((d) => d[0] === 'rootfs-overlay'), ['rootfs-overlay', '/c/upper:/s/l2:/s/l1', '/t/upper', '/t/work']);
  assert.equal(out.filter((d) => d[0] === 'uid-map' || d[0] === 'gid-map').length, 2);
  assert.not.ok(out.some((d) => d[0] === 'proc'));
  assert.equal(out.at(-1), ['exec', 'tar', '-cf', '-', '.']);
  // the container's tar is untrusted: a read-only root, DAC_OVERRIDE alone, no_new_privs, a filter
  assert.ok(out.some((d) => d[0] === 'readonly-root-recursive'));
  assert.equal(out.find((d) => d[0] === 'caps'), ['caps', '2', '2', '2', '0', '0']);
  assert.ok(out.some((d) => d[0] === 'no-new-privs'));
  assert.equal(out.find((d) => d[0] === 'seccomp-fd'), ['seccomp-fd', '4']);
  assert.throws(() => planExport([['version', '1'], ['rootfs-bind', '/']], { upper: '', work: '' }, 4), /host image/);
});

test.run();
