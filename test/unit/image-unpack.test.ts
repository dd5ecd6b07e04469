// The layer unpacker against crafted tars: the path rules, whiteouts, links, modes, owners.
// Runs in-process; ownership checks need root (CI runs unit tests as root) and are skipped otherwise.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync, spawnSync } from 'node:child_process';
import { TarReader } from '../../src/nsworker/tar-reader.js';
import { LayerWriter } from '../../src/nsworker/layer-writer.js';
import { lgetxattr } from '../../src/nsworker/syscalls.js';
import { buildTar, type TarSpec } from './image-tar-builder.js';

const isRoot = process.getuid?.() === 0;
const made: string[] = [];
function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}
test.after(() => {
  for (const d of made) {
    // unpacked read-only dirs: only root may empty them without opening them up first
    execFileSync('chmod', ['-R', 'u+rwX', d]);
    rmSync(d, { recursive: true, force: true });
  }
});

function unpack(entries: TarSpec[] | Buffer, chunk = 1000, maxBytes = 1 << 30): { dir: string; notes: string[] } {
  const base = tempDir('nook-unpack-');
  const dir = join(base, 'layer');
  mkdirSync(dir);
  const notes: string[] = [];
  const writer = new LayerWriter(dir, { chown: isRoot, maxBytes, note: (l) => notes.push(l) });
  const reader = new TarReader(writer);
  const tar = Buffer.isBuffer(entries) ? entries : buildTar(entries);
  // Odd chunk sizes exercise headers and data split across pushes.
  for (let i = 0; i < tar.length; i += chunk) {
    reader.push(tar.subarray(i, i + chunk));
    writer.countTarBytes(Math.min(chunk, tar.length - i));
  }
  reader.end();
  writer.finish();
  return { dir, notes };
}

function refused(entries: TarSpec[], pattern: RegExp): void {
  try {
    unpack(entries);
    assert.unreachable('should have been refused');
  } catch (err) {
    assert.match((err as Error).message, pattern);
  }
}

test('files, dirs, symlinks, hard links, modes and times', () => {
  const { dir } = unpack([
    { path: './bin/', mode: 0o755 },
    { path: './bin/tool', body: 'x'.repeat(5000), mode: 0o4755, uid: isRoot ? 1000 : 0, gid: isRoot ? 1000 : 0 },
    { path: './bin/alias', type: '1', linkpath: 'bin/tool' },
    { path: './bin/sh', type: '2', linkpath: '/bin/tool' },
    { path: 'ro/', mode: 0o555 },
    { path: 'ro/inside', body: 'hello', mode: 0o444 },
    { path: 'fifo', type: '6', mode: 0o644 },
    { path: 'dev/null', type: '3' },
  ]);
  const tool = lstatSync(join(dir, 'bin/tool'));
  assert.is(tool.size, 5000);
  assert.is(tool.mode & 0o7777, 0o4755, 'setuid kept after chown');
  assert.is(tool.mtimeMs, 1_700_000_000_000);
  if (isRoot) assert.is(tool.uid, 1000);
  assert.is(lstatSync(join(dir, 'bin/alias')).ino, tool.ino);
  assert.is(readlinkSync(join(dir, 'bin/sh')), '/bin/tool');
  assert.is(lstatSync(join(dir, 'ro')).mode & 0o777, 0o555, 'read-only dir filled, then its mode applied');
  assert.is(readFileSync(join(dir, 'ro/inside'), 'utf8'), 'hello');
  assert.ok(lstatSync(join(dir, 'fifo')).isFIFO());
  assert.not.ok(existsSync(join(dir, 'dev/null')), 'device nodes are skipped');
});

test('long names via PAX and xattrs kept for user.*', () => {
  const long = 'd/' + 'a'.repeat(150) + '/' + 'b'.repeat(120);
  const { dir } = unpack([{ path: long, body: 'deep', pax: { 'SCHILY.xattr.user.test': 'v1', 'SCHILY.xattr.trusted.x': 'no' } }]);
  assert.is(readFileSync(join(dir, long), 'utf8'), 'deep');
  assert.is(lgetxattr(join(dir, long), 'user.test')?.toString(), 'v1');
  assert.is(lgetxattr(join(dir, long), 'trusted.x'), undefined);
});

test('whiteouts become 0/0 char devices and opaque dirs get the user xattr', () => {
  const { dir } = unpack([
    { path: 'etc/' },
    { path: 'etc/.wh.motd' },
    { path: 'var/cache/.wh..wh..opq' },
  ]);
  const wh = lstatSync(join(dir, 'etc/motd'));
  assert.ok(wh.isCharacterDevice());
  assert.is(wh.rdev, 0);
  assert.not.ok(existsSync(join(dir, 'etc/.wh.motd')));
  assert.is(lgetxattr(join(dir, 'var/cache'), 'user.overlay.opaque')?.toString(), 'y');
});

test('a later entry replaces an earlier one without following it', () => {
  const { dir } = unpack([
    { path: 'a', type: '2', linkpath: '/etc/passwd' },
    { path: 'a', body: 'replaced' },
  ]);
  assert.ok(lstatSync(join(dir, 'a')).isFile());
  assert.is(readFileSync(join(dir, 'a'), 'utf8'), 'replaced');
});

test('every kind of entry replaces whatever stood at its path, never writing through it', () => {
  const outside = tempDir('nook-outside-');
  const { dir } = unpack([
    { path: 'f2l', body: 'old' },
    { path: 'f2l', type: '2', linkpath: 'target' },
    { path: 'l2h', type: '2', linkpath: outside },
    { path: 'keep', body: 'kept' },
    { path: 'l2h', type: '1', linkpath: 'keep' },
    { path: 'f2d', body: 'old' },
    { path: 'f2d', type: '5' },
    { path: 'f2d/in', body: 'inside' },
    { path: 'd2f', type: '5' },
    { path: 'd2f/old', body: 'gone' },
    { path: 'd2f', body: 'file now' },
    { path: 'l2d', type: '2', linkpath: outside },
    { path: 'l2d', type: '5' },
    { path: 'l2d/x', body: 'in the layer' },
    { path: 'dd', type: '5' },
    { path: 'dd/kept', body: 'kept' },
    { path: 'dd', type: '5' },
    { path: 'twice', body: 'first' },
    { path: 'twice', body: 'second' },
  ]);
  assert.is(readlinkSync(join(dir, 'f2l')), 'target');
  assert.ok(lstatSync(join(dir, 'l2h')).isFile());
  assert.is(lstatSync(join(dir, 'l2h')).ino, lstatSync(join(dir, 'keep')).ino);
  assert.is(readFileSync(join(dir, 'f2d/in'), 'utf8'), 'inside');
  assert.is(readFileSync(join(dir, 'd2f'), 'utf8'), 'file now');
  assert.ok(lstatSync(join(dir, 'l2d')).isDirectory());
  assert.is(readFileSync(join(dir, 'l2d/x'), 'utf8'), 'in the layer');
  assert.is(readFileSync(join(dir, 'dd/kept'), 'utf8'), 'kept');
  assert.is(readFileSync(join(dir, 'twice'), 'utf8'), 'second');
  assert.equal(readdirSync(outside), []);
});

// The worker itself (from source), traced: syncfs is the one call that makes the layer durable
// before the parent writes its marker, and nothing else shows whether it happened.
const hasStrace = spawnSync('strace', ['-V']).status === 0;
(hasStrace ? test : test.skip)('the unpack worker flushes the layer to disk (one syncfs) before it reports success', () => {
  const base = tempDir('nook-worker-');
  const dir = join(base, 'layer');
  mkdirSync(dir);
  const trace = join(base, 'trace');
  const owner = { uid: process.getuid!(), gid: process.getgid!() };
  const tar = buildTar([{ path: 'a', type: '5', ...owner }, { path: 'a/f', body: 'data', ...owner }]);
  const worker = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'nsworker', 'worker.ts');
  const r = spawnSync('strace', ['-f', '-e', 'trace=syncfs', '-o', trace, process.execPath, '--import', 'tsx', worker, 'unpack', dir, String(1 << 20)], { input: tar, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /^size: \d+$/m);
  assert.match(readFileSync(trace, 'utf8'), /syncfs\(\d+\)\s+= 0/);
});

test('GNU tar output: sparse files and long names', () => {
  const src = tempDir('nook-src-');
  execFileSync('truncate', ['-s', '10M', join(src, 'sparse')]);
  execFileSync('sh', ['-c', `printf middle | dd of=${src}/sparse bs=1 seek=5000000 conv=notrunc status=none`]);
  mkdirSync(join(src, 'x'.repeat(120)));
  execFileSync('sh', ['-c', `echo ok > ${src}/${'x'.repeat(120)}/${'y'.repeat(120)}`]);
  for (const format of ['gnu', 'pax']) {
    const tar = execFileSync('tar', ['-C', src, '--sparse', `--format=${format}`, '-cf', '-', '.'], { maxBuffer: 64 << 20 });
    const { dir } = unpack(tar, 4096);
    const st = lstatSync(join(dir, 'sparse'));
    assert.is(st.size, 10 * 1024 * 1024, format);
    assert.ok(st.blocks * 512 < 1024 * 1024, `${format}: holes stay holes`);
    const fd = readFileSync(join(dir, 'sparse'));
    assert.is(fd.subarray(5000000, 5000006).toString(), 'middle');
    assert.is(readFileSync(join(dir, 'x'.repeat(120), 'y'.repeat(120)), 'utf8'), 'ok\n');
  }
});

test('hostile: a sparse entry declaring terabytes is refused before the file exists; a modest one counts at its full size', () => {
  const sparse = (name: string, realsize: number) => {
    const map = Buffer.alloc(512);
    map.write(`1\n${realsize - 5}\n5\n`);
    return { path: `GNUSparseFile.0/${name}`, body: Buffer.concat([map, Buffer.from('hello')]), pax: { 'GNU.sparse.major': '1', 'GNU.sparse.minor': '0', 'GNU.sparse.name': name, 'GNU.sparse.realsize': String(realsize) } };
  };
  let dir = '';
  try {
    unpack([{ path: 'before', body: 'x' }, sparse('huge', 10 * 2 ** 40)], 1000, 16 * 2 ** 30);
    assert.unreachable('should have been refused');
  } catch (err) {
    assert.match((err as Error).message, /^layer entry "huge": refused: the layer unpacks to more than limits\.maxLayerBytes \(17179869184 bytes; sparse files count at their full size\)/);
  }
  for (const d of made) if (existsSync(join(d, 'layer', 'before'))) dir = join(d, 'layer');
  assert.ok(dir, 'the layer before the refused entry was unpacked');
  assert.not.ok(existsSync(join(dir, 'huge')), 'no file of 10 TB was made');
  // 10 MiB of holes in a layer limited to 1 MiB: refused too, though its tar is 2 KiB
  assert.throws(() => unpack([sparse('ten-mib', 10 << 20)], 1000, 1 << 20), /more than limits\.maxLayerBytes \(1048576 bytes/);
  const ok = unpack([sparse('ten-mib', 10 << 20)], 1000, 11 << 20);
  assert.is(lstatSync(join(ok.dir, 'ten-mib')).size, 10 << 20);
});

test('hostile: absolute paths and .. components are refused, naming the entry', () => {
  refused([{ path: '/etc/evil', body: 'x' }], /layer entry "\/etc\/evil": refused: absolute path/);
  refused([{ path: 'a/../../evil', body: 'x' }], /layer entry "a\/..\/..\/evil": refused: path with a "\.\." component/);
});

test('hostile: writing through a symlinked parent is refused', () => {
  refused([
    { path: 'escape', type: '2', linkpath: '/tmp' },
    { path: 'escape/evil', body: 'x' },
  ], /layer entry "escape\/evil": refused: parent "escape" is a symlink/);
});

test('hostile: hard links outside the layer or to missing paths are refused', () => {
  refused([{ path: 'h', type: '1', linkpath: '../../etc/passwd' }], /layer entry "h": refused: path with a "\.\."/);
  refused([{ path: 'h', type: '1', linkpath: 'etc/shadow' }], /not in this layer/);
  refused([
    { path: 'l', type: '2', linkpath: '/etc' },
    { path: 'h', type: '1', linkpath: 'l/passwd' },
  ], /through the symlink "l"/);
});

test('a truncated tar is an error', () => {
  const tar = buildTar([{ path: 'f', body: 'y'.repeat(3000) }]);
  try {
    unpack(tar.subarray(0, 1500));
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /truncated/);
  }
});

test.run();
