// Issue 3's archive verbs as the unprivileged user, against the real registry fixtures:
// save | load round trips read back by skopeo, hostile archives refused with one line and
// nothing written outside the store, import/export of a container's merged root, login/logout.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { hostRun, nook, nookBin, type Result } from './harness.js';
import { OPAQUE_DIR, OWNED_PATHS, WHITEOUT_FILES } from '../fixtures/debian-expectations.mjs';

const test = suite('archive');

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the suites through \`node test/run.mjs\``);
  return v;
}

const dirs: string[] = [];
/** A scratch dir with its own store (XDG_DATA_HOME) for one test. */
function scratch(): { dir: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'nook-archive-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'config'));
  return { dir, env: { XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config') } };
}
test.after(async () => {
  for (const d of dirs) {
    if (existsSync(join(d, 'data'))) await nook(['system', 'prune', '-a', '-f'], { env: { XDG_DATA_HOME: join(d, 'data') }, timeoutMs: 60_000 }).catch(() => undefined);
    // container dirs hold files of subordinate ids and the kernel's mode-0 overlay work dir
    await hostRun('unshare', ['--map-auto', '--map-root-user', 'rm', '-rf', d], { timeoutMs: 60_000 });
  }
});

const run = (e: Record<string, string>, args: string[], timeoutMs = 180_000): Promise<Result> => nook(args, { env: e, timeoutMs });
/** A shell line with $NOOK standing for the CLI (for pipes between two nook commands). */
const shell = (e: Record<string, string>, line: string, timeoutMs = 180_000): Promise<Result> =>
  hostRun('sh', ['-c', line], { env: { ...e, NOOK: `${process.execPath} ${nookBin()}` }, timeoutMs });

function ok(r: Result, what: string): Result {
  assert.is(r.code, 0, `${what}: exit ${r.code}\n${r.stderr}`);
  return r;
}

function refusedInOneLine(r: Result, pattern: RegExp, what: string): void {
  assert.is(r.code, 125, `${what}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.is(lines.length, 1, `${what}: one line, got:\n${r.stderr}`);
  assert.match(lines[0]!, pattern, what);
}

test('save | load round trip through a pipe; skopeo reads both archive formats', async () => {
  const a = scratch();
  const bb = env('NOOK_TEST_BUSYBOX');
  const deb = env('NOOK_TEST_DEBIAN');
  ok(await run(a.env, ['pull', '-q', bb]), 'pull busybox');
  ok(await run(a.env, ['pull', '-q', deb]), 'pull debian');
  const docker = join(a.dir, 'images.tar');
  const oci = join(a.dir, 'images-oci.tar');
  ok(await run(a.env, ['save', '-o', docker, bb, deb]), 'save docker-archive');
  ok(await run(a.env, ['save', '--format', 'oci-archive', '-o', oci, deb, bb]), 'save oci-archive');
  for (const [transport, file] of [['docker-archive', docker], ['oci-archive', oci]] as const) {
    const r = ok(await hostRun('skopeo', ['inspect', `${transport}:${file}:${deb}`], { timeoutMs: 60_000 }), `skopeo inspect ${transport}`);
    const info = JSON.parse(r.stdout) as { Layers: string[]; Os: string };
    assert.is(info.Os, 'linux');
    assert.ok(info.Layers.length >= 3, `${transport}: debian's layers`);
  }
  const ids = ok(await run(a.env, ['images', '-q', '--no-trunc']), 'ids').stdout.trim().split('\n').sort();

  // docker-archive through a pipe into a fresh store: tags and ids come back, the image runs
  const b = scratch();
  const piped = ok(await shell({ ...b.env, A_DATA: a.env.XDG_DATA_HOME! }, `XDG_DATA_HOME=$A_DATA $NOOK save ${bb} ${deb} | $NOOK load`), 'save | load');
  assert.match(piped.stdout, /Loaded image: .*nook-test\/busybox:latest/);
  assert.match(piped.stdout, /Loaded image: .*nook-test\/debian:bookworm/);
  assert.equal(ok(await run(b.env, ['images', '-q', '--no-trunc']), 'ids').stdout.trim().split('\n').sort(), ids);
  const files = ok(await run(b.env, ['run', '--rm', deb, 'sh', '-c', 'test ! -e /usr/share/doc/bash/copyright && stat -c "%u %a" /usr/local/bin/suidtest']), 'run loaded');
  assert.is(files.stdout.trim(), '0 4755');
  assert.match(ok(await run(b.env, ['system', 'check']), 'check').stdout, /store is clean/);

  // the OCI layout, gzipped, read from stdin: the manifest digest survives byte for byte
  const c = scratch();
  writeFileSync(join(c.dir, 'oci.tar.gz'), gzipSync(readFileSync(oci)));
  ok(await shell(c.env, `$NOOK load < ${join(c.dir, 'oci.tar.gz')}`), 'load gzip oci');
  const digests = (e: Record<string, string>) => run(e, ['image', 'inspect', '--format', '{{.Id}}', deb]);
  assert.is(ok(await digests(c.env), 'inspect').stdout, ok(await digests(a.env), 'inspect').stdout);
  ok(await run(c.env, ['run', '--rm', bb, 'true']), 'run busybox from the oci archive');
  assert.match(ok(await run(c.env, ['system', 'check']), 'check').stdout, /store is clean/);
});

test('load reads archives written by skopeo', async () => {
  const a = scratch();
  const file = join(a.dir, 'skopeo.tar');
  ok(await hostRun('skopeo', ['copy', '-q', `oci:${join(env('NOOK_TEST_FIXTURES'), 'busybox')}`, `docker-archive:${file}:example.com/skopeo/busybox:v1`], { timeoutMs: 60_000 }), 'skopeo copy');
  assert.match(ok(await run(a.env, ['load', '-i', file]), 'load').stdout, /Loaded image: example.com\/skopeo\/busybox:v1/);
  assert.is(ok(await run(a.env, ['run', '--rm', 'example.com/skopeo/busybox:v1', 'echo', 'hi']), 'run').stdout, 'hi\n');
});

/** A tar of the given entries, built by the fixtures' builder. */
async function tarOf(entries: Array<{ path: string; body?: string; type?: '0' | '2'; linkpath?: string }>): Promise<Buffer> {
  const { buildTar } = await import('../unit/image-tar-builder.js');
  return buildTar(entries);
}

test('hostile archives: refused with one line, exit 125, nothing outside the store, no spool left', async () => {
  const a = scratch();
  const outside = env('NOOK_TEST_OUTSIDE');
  const before = readdirSync(outside).sort();
  const victim = readFileSync(join(outside, 'victim'), 'utf8');
  const layer = await tarOf([{ path: 'hello', body: 'hi' }]);
  const { createHash } = await import('node:crypto');
  const sha = (b: Buffer | string) => 'sha256:' + createHash('sha256').update(b).digest('hex');
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha(layer)] } });
  const manifest = JSON.stringify([{ Config: 'c.json', RepoTags: ['evil:latest'], Layers: ['l.tar'] }]);
  const cases: Array<[string, Buffer, RegExp]> = [
    ['path traversal', await tarOf([{ path: `../../../../../../..${outside}/victim`, body: 'owned' }, { path: 'manifest.json', body: manifest }]), /archive entry ".*victim": refused: path with a "\.\." component/],
    ['absolute path', await tarOf([{ path: `${outside}/victim`, body: 'owned' }]), /archive entry ".*victim": refused: absolute path/],
    ['missing file', await tarOf([{ path: 'manifest.json', body: manifest }, { path: 'c.json', body: config }]), /names "l.tar", which the archive does not contain/],
    ['diff id mismatch', await tarOf([{ path: 'manifest.json', body: manifest }, { path: 'c.json', body: config }, { path: 'l.tar', body: 'not the layer' }]), /does not match the image config's diff id|not a valid tar|truncated/],
  ];
  for (const [what, archive, pattern] of cases) {
    const file = join(a.dir, `${what.replace(/ /g, '-')}.tar`);
    writeFileSync(file, archive);
    refusedInOneLine(await run(a.env, ['load', '-i', file]), pattern, what);
  }
  assert.equal(readdirSync(outside).sort(), before);
  assert.is(readFileSync(join(outside, 'victim'), 'utf8'), victim);
  const tmp = join(a.env.XDG_DATA_HOME!, 'nook', 'tmp');
  assert.equal(existsSync(tmp) ? readdirSync(tmp) : [], [], 'no spool left behind');
  assert.is(ok(await run(a.env, ['images', '-q']), 'images').stdout, '', 'nothing loaded');
});

test('export merges a container\'s layers and upper dir; import makes it an image again', async () => {
  const a = scratch();
  const deb = env('NOOK_TEST_DEBIAN');
  ok(await run(a.env, ['pull', '-q', deb]), 'pull');
  ok(await run(a.env, ['run', '--name', 'exported', deb, 'sh', '-c',
    'rm -rf /usr/share/doc/grep /etc/skel && echo changed > /etc/nook-new && chown 1000:1000 /etc/nook-new && rm /usr/local/bin/sgidtest']), 'run');
  const file = join(a.dir, 'rootfs.tar');
  ok(await run(a.env, ['export', '-o', file, 'exported']), 'export');
  const names = new Set(ok(await hostRun('tar', ['-tf', file], { timeoutMs: 60_000 }), 'tar -t').stdout.split('\n').map((n) => n.replace(/^\.\//, '').replace(/\/$/, '')));
  assert.ok(names.has('etc/nook-new'), 'a file the container wrote');
  assert.ok(names.has('home/alice/notes.txt'), 'a file of the image');
  for (const gone of [...WHITEOUT_FILES, 'usr/share/doc/grep', OPAQUE_DIR.path, 'usr/local/bin/sgidtest']) assert.not.ok(names.has(gone), `${gone} is deleted`);
  assert.not.ok([...names].some((n) => n.includes('.wh.')), 'no whiteout files');

  const imported = ok(await run(a.env, ['import', '-c', 'CMD ["cat", "/etc/nook-new"]', '-c', 'ENV IMPORTED=yes', file, 'nook-test/imported:v1']), 'import');
  assert.match(imported.stdout, /^sha256:[0-9a-f]{64}\n$/);
  assert.is(ok(await run(a.env, ['run', '--rm', 'nook-test/imported:v1']), 'run imported').stdout, 'changed\n');
  const owners = ok(await run(a.env, ['run', '--rm', 'nook-test/imported:v1', 'sh', '-c',
    `stat -c '%u %a' /etc/nook-new /${OWNED_PATHS[0]!.path} /usr/local/bin/suidtest; echo $IMPORTED; test ! -e /etc/skel && test ! -e /usr/share/doc/grep && dpkg -l | wc -l`]), 'owners');
  assert.equal(owners.stdout.trim().split('\n').slice(0, 4), ['1000 644', `${OWNED_PATHS[0]!.uid} ${OWNED_PATHS[0]!.mode}`, '0 4755', 'yes']);
  // the same tree gzipped from stdin: same layer, stored once
  const gz = ok(await shell(a.env, `gzip -c ${file} | $NOOK import - nook-test/imported:gz`), 'import - gz');
  assert.match(gz.stdout, /^sha256:/);
  assert.match(ok(await run(a.env, ['system', 'check']), 'check').stdout, /store is clean/);
  refusedInOneLine(await run(a.env, ['export', '-o', join(a.dir, 'x.tar'), 'no-such-container']), /no such container/i, 'export of a missing container');
  assert.not.ok(existsSync(join(a.dir, 'x.tar')), 'no output file on failure');
});

const auth = process.env['NOOK_TEST_AUTH_REGISTRY'] ? test : test.skip;
auth('login stores verified credentials (0600), pull of a protected image, logout, pull refused', async () => {
  const a = scratch();
  const registry = env('NOOK_TEST_AUTH_REGISTRY');
  const image = env('NOOK_TEST_AUTH_BUSYBOX');
  const user = env('NOOK_TEST_AUTH_USER');
  const authFile = join(env('XDG_RUNTIME_DIR'), 'containers', 'auth.json');
  refusedInOneLine(await run(a.env, ['pull', '-q', image]), /needs a user name and password/, 'pull before login');
  refusedInOneLine(await nook(['login', '-u', user, '--password-stdin', registry], { env: a.env, input: 'wrong\n' }), /login to .* failed: unauthorized/, 'wrong password');
  assert.not.ok(existsSync(authFile) && readFileSync(authFile, 'utf8').includes(registry), 'nothing stored for a refused login');
  assert.match(ok(await nook(['login', '-u', user, '--password-stdin', registry], { env: a.env, input: env('NOOK_TEST_AUTH_PASSWORD') + '\n' }), 'login').stdout, /Login Succeeded/);
  const { statSync } = await import('node:fs');
  assert.is((statSync(authFile).mode & 0o777).toString(8), '600');
  ok(await run(a.env, ['pull', '-q', image]), 'pull after login');
  assert.match(ok(await run(a.env, ['logout', registry]), 'logout').stdout, /Removed login credentials/);
  refusedInOneLine(await run(a.env, ['logout', registry]), /not logged in/, 'second logout');
  ok(await run(a.env, ['rmi', image]), 'rmi');
  refusedInOneLine(await run(a.env, ['pull', '-q', image]), /needs a user name and password/, 'pull after logout');
});

test.run();
