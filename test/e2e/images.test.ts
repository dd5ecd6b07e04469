// Issue 3's image side, against the real registry with the fixture images, as the unprivileged
// user: pulls verified and unpacked with the image's owners, hostile images refused with one
// line naming the entry and nothing written outside the store, concurrent and killed pulls
// leaving a store that `system check` finds clean (what killed ones left removed by the next
// command), damage still reported, a decompression bomb and a full disk stopped early
// (issue 14), and the listing verbs.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { hostRun, nook, nookBin, processes, sleep, start, startNook, subIdRange, waitFor, type Result } from './harness.js';
import { encodeDirectives } from '../../src/core/directives.js';
import { planUserNamespaceTask } from '../../src/launcher/userns.js';
import { currentIdentity, lastCapability } from '../../src/launcher/identity.js';
import { planIdMaps } from '../../src/core/plan.js';
import { OWNED_PATHS, WHITEOUT_FILES, OPAQUE_DIR } from '../fixtures/debian-expectations.mjs';
import { HOSTILE_NAMES, VICTIM } from '../fixtures/hostile.mjs';

const test = suite('images');
const MiB = 1024 ** 2;

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the suites through \`node test/run.mjs\``);
  return v;
}

const stores: Array<{ dir: string; env: Record<string, string> }> = [];

/** A fresh store (and config home) per test: XDG_DATA_HOME is all nook's store depends on. */
function freshStore(config?: object): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'nook-images-'));
  mkdirSync(join(dir, 'config', 'nook'), { recursive: true });
  if (config) writeFileSync(join(dir, 'config', 'nook', 'config.json'), JSON.stringify(config));
  const e = { XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config') };
  stores.push({ dir, env: e });
  return e;
}

const nookIn = (e: Record<string, string>, args: string[], timeoutMs = 120_000): Promise<Result> => nook(args, { env: e, timeoutMs });

function ok(r: Result, what: string): Result {
  assert.is(r.code, 0, `${what}: exit ${r.code}\n${r.stderr}`);
  return r;
}

async function inspect(e: Record<string, string>, ref: string): Promise<{ RootFS: { Layers: string[] }; GraphDriver: { Data: { UpperDir: string; LowerDir?: string } } }> {
  const r = ok(await nookIn(e, ['image', 'inspect', ref]), 'inspect');
  return (JSON.parse(r.stdout) as never[])[0]!;
}

test('pull busybox, list, pull again from the store, check clean', async () => {
  const e = freshStore();
  const ref = env('NOOK_TEST_BUSYBOX');
  const first = ok(await nookIn(e, ['pull', ref]), 'pull');
  assert.match(first.stdout, /Pull complete/);
  assert.match(first.stdout, /Status: Downloaded newer image/);
  const again = ok(await nookIn(e, ['pull', ref]), 'second pull');
  assert.match(again.stdout, /Already exists/);
  assert.match(again.stdout, /Image is up to date/);
  const images = ok(await nookIn(e, ['images']), 'images');
  assert.match(images.stdout, new RegExp(`${ref.split(':').slice(0, -1).join(':').replace(/[./]/g, '\\$&')}\\s+\\S+\\s+[0-9a-f]{12}`));
  const check = ok(await nookIn(e, ['system', 'check']), 'check');
  assert.match(check.stdout, /store is clean: 3 blobs verified, 1 layers, 1 images/);
});

test('debian: owners, setuid bits, whiteouts and opaque dirs survive unpacking', async () => {
  const e = freshStore();
  ok(await nookIn(e, ['pull', '-q', env('NOOK_TEST_DEBIAN')]), 'pull');
  const info = await inspect(e, env('NOOK_TEST_DEBIAN'));
  assert.ok(info.RootFS.Layers.length >= 3, 'at least three layers');
  const layers = [info.GraphDriver.Data.UpperDir, ...(info.GraphDriver.Data.LowerDir ?? '').split(':').filter(Boolean)];
  const sub = subIdRange('/etc/subuid');
  const hostUid = (uid: number) => (uid === 0 || !sub ? userInfo().uid : sub.start + uid - 1);
  // Paths below a 0750 directory of another (subordinate) uid cannot be looked at from the host:
  // those are checked from inside a container by the run suite.
  const reachable = (abs: string) => {
    try {
      lstatSync(abs);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EACCES') throw Object.assign(new Error('EACCES'), { unreachable: true });
      return false;
    }
  };
  let checked = 0;
  for (const o of OWNED_PATHS) {
    let abs: string | undefined;
    try {
      abs = layers.map((l) => join(l, o.path)).find(reachable);
    } catch (err) {
      if ((err as { unreachable?: boolean }).unreachable) continue;
      throw err;
    }
    assert.ok(abs, `${o.path} unpacked`);
    const st = lstatSync(abs!);
    assert.is(st.uid, hostUid(o.uid), `${o.path} owner`);
    assert.is((st.mode & 0o7777).toString(8), o.mode, `${o.path} mode`);
    checked++;
  }
  assert.ok(checked >= OWNED_PATHS.length - 1, `checked ${checked} owned paths`);
  // The layer deleting files holds 0/0 character devices for them, and the opaque xattr.
  const whiteouts = WHITEOUT_FILES.map((f) => layers.map((l) => join(l, f)).filter((abs) => existsSync(abs)).map((abs) => lstatSync(abs)));
  for (const [i, found] of whiteouts.entries()) assert.ok(found.some((st) => st.isCharacterDevice() && st.rdev === 0), `${WHITEOUT_FILES[i]} whited out`);
  assert.ok(layers.some((l) => existsSync(join(l, OPAQUE_DIR.path, OPAQUE_DIR.kept[0]!))), 'opaque dir content');
  ok(await nookIn(e, ['system', 'check']), 'check');
});

for (const name of HOSTILE_NAMES) {
  const key = `NOOK_TEST_HOSTILE_${name.toUpperCase().replace(/-/g, '_')}`;
  test(`hostile image ${name}: ${name === 'device' ? 'device skipped with a note' : 'refused with one line naming the entry'}, nothing outside the store`, async () => {
    // A layer limit below the expansion ratio's floor, so the worker refuses the bomb (naming
    // its entry) before the pipeline's ratio check would.
    const e = freshStore({ limits: { maxLayerBytes: 256 * MiB } });
    const outside = env('NOOK_TEST_OUTSIDE');
    const before = readdirSync(outside).sort();
    const r = await nookIn(e, ['pull', '-q', env(key)]);
    if (name === 'device') {
      assert.is(r.code, 0, r.stderr);
      assert.match(r.stderr, /skipped 1 device node\(s\) \(first: null-device\)/);
    } else {
      assert.is(r.code, 125, r.stderr);
      const lines = r.stderr.trim().split('\n');
      assert.is(lines.length, 1, r.stderr);
      assert.ok(lines[0]!.includes(env(`${key}_ENTRY`)), `names ${env(`${key}_ENTRY`)}: ${lines[0]}`);
    }
    assert.equal(readdirSync(outside).sort(), before, 'nothing written outside the store');
    assert.is(readFileSync(join(outside, VICTIM), 'utf8'), 'must stay unchanged\n');
    // A refused layer leaves nothing trusted: no image, no layer, only what prune removes.
    const check = await nookIn(e, ['system', 'check']);
    if (name !== 'device') assert.match(check.stdout, /0 layers, 0 images/);
  });
}

/** The apparent size of every file under `dir` (what a walk can read). */
function treeBytes(dir: string): number {
  let sum = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0; // gone, or a directory of a subordinate uid
  }
  for (const n of names) {
    try {
      const st = lstatSync(join(dir, n));
      sum += st.isDirectory() ? treeBytes(join(dir, n)) : st.size;
    } catch {
      // removed while walking
    }
  }
  return sum;
}

/** Runs `p` while sampling the store's size every 20 ms; returns its result and the largest sample. */
async function peakStoreBytes<T>(e: Record<string, string>, p: Promise<T>): Promise<{ result: T; peak: number }> {
  let peak = 0;
  const sample = () => (peak = Math.max(peak, treeBytes(e['XDG_DATA_HOME']!)));
  const timer = setInterval(sample, 20);
  const result = await p.finally(() => clearInterval(timer));
  sample();
  return { result, peak };
}

test('a decompression bomb under the default limits is refused by its expansion ratio before 600 MiB are written', async () => {
  const e = freshStore();
  assert.ok(Number(env('NOOK_TEST_HOSTILE_BOMB_BYTES')) >= 2048 * MiB, 'the bomb is bigger than what may be written');
  const { result: r, peak } = await peakStoreBytes(e, nookIn(e, ['pull', '-q', env('NOOK_TEST_HOSTILE_BOMB')]));
  // The size first: the old code let the whole bomb in (exit 0).
  assert.ok(peak < 600 * MiB, `the store grew to ${Math.round(peak / MiB)} MiB`);
  assert.is(r.code, 125, r.stderr);
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^nook: layer sha256:[0-9a-f]{64} \(1\) of .*: refused: the layer unpacks to more than limits\.maxExpansionRatio \(100\) times its compressed size .* \(raise it in the nook config if the image is genuine\)$/m);
  assert.ok(peak > 256 * MiB, `the samples saw the layer being written (${Math.round(peak / MiB)} MiB)`);
  const check = ok(await nookIn(e, ['system', 'check']), 'check');
  assert.match(check.stdout, /store is clean: 0 blobs verified, 0 layers, 0 images/);
});

test('a store with less free space than limits.minFreeBytes refuses the first layer before writing a byte', async () => {
  const e = freshStore({ limits: { minFreeBytes: 2 ** 52 } });
  const r = await nookIn(e, ['pull', '-q', env('NOOK_TEST_BUSYBOX')]);
  assert.is(r.code, 125, r.stderr);
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^nook: layer sha256:\S+ \(1\) of .*: refused: the layer needs at least \S+ and the store's file system has \S+ free, which would leave less than limits\.minFreeBytes \(4PiB\) \(free some space, or lower limits\.minFreeBytes in the nook config\)$/m);
  const check = ok(await nookIn(e, ['system', 'check']), 'check');
  assert.match(check.stdout, /store is clean: 0 blobs verified, 0 layers, 0 images/);
});

/**
 * Pulls `ref` into a store on a 96 MiB tmpfs of its own: mounted in a user and mount namespace
 * (unshare -Urm, which any user may), where nook runs as that namespace's root, then `system
 * check` there, before the mount goes away with the namespace.
 */
async function pullOnSmallDisk(config: object, ref: string): Promise<{ pull: Result; check: Result }> {
  const e = freshStore(config);
  const out = join(dirname(e['XDG_DATA_HOME']!), 'small');
  mkdirSync(out);
  const runtime = join(out, 'run');
  mkdirSync(runtime, { mode: 0o700 });
  mkdirSync(e['XDG_DATA_HOME']!);
  const script = [
    'mount -t tmpfs -o size=96m nook-small "$XDG_DATA_HOME" || exit 99',
    '"$@" pull -q "$REF" >"$OUT/pull.out" 2>"$OUT/pull.err"; echo $? >"$OUT/pull.rc"',
    '"$@" system check >"$OUT/check.out" 2>"$OUT/check.err"; echo $? >"$OUT/check.rc"',
  ].join('\n');
  const r = await hostRun('unshare', ['-Urm', 'sh', '-c', script, 'sh', process.execPath, nookBin()], {
    env: { ...e, REF: ref, OUT: out, XDG_RUNTIME_DIR: runtime }, timeoutMs: 120_000,
  });
  assert.is(r.code, 0, `unshare: ${r.stderr}`);
  const read = (name: string): Result => ({
    code: Number(readFileSync(join(out, `${name}.rc`), 'utf8')), signal: null,
    stdout: readFileSync(join(out, `${name}.out`), 'utf8'), stderr: readFileSync(join(out, `${name}.err`), 'utf8'),
  });
  return { pull: read('pull'), check: read('check') };
}

test('on a small disk, an unpack that eats into limits.minFreeBytes is refused while it runs, and leaves nothing', async () => {
  // 96 MiB with 48 MiB kept free: the 2 MB bomb passes the check before the unpack (the ratio
  // floor is far above the disk), then the free space is looked at every 16 MiB unpacked.
  const { pull, check } = await pullOnSmallDisk({ limits: { minFreeBytes: 48 * MiB } }, env('NOOK_TEST_HOSTILE_BOMB'));
  assert.is(pull.code, 125, pull.stderr);
  assert.is(pull.stderr.trim().split('\n').length, 1, pull.stderr);
  assert.match(pull.stderr, /^nook: layer \S+ \(1\) of .*: refused: the store's file system is down to \d+(\.\d+)?MiB free, less than limits\.minFreeBytes \(48MiB\) \(free some space, or lower limits\.minFreeBytes in the nook config\)$/m);
  assert.is(check.code, 0, check.stderr);
  assert.match(check.stdout, /store is clean: 0 blobs verified, 0 layers, 0 images/);
});

test('on a full disk, the failed write is one line saying the file system is full, and leaves nothing', async () => {
  const { pull, check } = await pullOnSmallDisk({ limits: { minFreeBytes: 1 } }, env('NOOK_TEST_HOSTILE_BOMB'));
  assert.is(pull.code, 125, pull.stderr);
  assert.is(pull.stderr.trim().split('\n').length, 1, pull.stderr);
  // The worker's write or the blob's, whichever the disk refused first.
  assert.match(pull.stderr, /^nook: .*the store's file system is full \(ENOSPC: no space or no inodes left; free some space, or move the store with XDG_DATA_HOME\)$/m);
  assert.is(check.code, 0, check.stderr);
  assert.match(check.stdout, /store is clean: 0 blobs verified, 0 layers, 0 images/);
});

test('four shells pulling overlapping images at once, then check clean and shared layers stored once', async () => {
  const e = freshStore();
  const refs = [env('NOOK_TEST_DEBIAN'), env('NOOK_TEST_DEBIAN_EXTRA'), env('NOOK_TEST_DEBIAN'), env('NOOK_TEST_DEBIAN_EXTRA')];
  const results = await Promise.all(refs.map((ref) => nookIn(e, ['pull', '-q', ref], 300_000)));
  for (const r of results) ok(r, 'concurrent pull');
  ok(await nookIn(e, ['system', 'check']), 'check');
  const a = await inspect(e, refs[0]!);
  const b = await inspect(e, refs[1]!);
  const shared = a.RootFS.Layers.filter((l) => b.RootFS.Layers.includes(l)).length;
  assert.ok(shared > 0, 'the fixtures share a base layer');
  const df = ok(await nookIn(e, ['system', 'df']), 'df');
  const distinct = new Set([...a.RootFS.Layers, ...b.RootFS.Layers]).size;
  assert.match(df.stdout, new RegExp(`^Layers\\s+${distinct}\\s+${distinct}\\s`, 'm'));
});

/** What interrupted writes leave in a store: tmp/ entries, `.tmp-*` files, layers without their marker, lock files of layers that are not there. */
function leftoversIn(e: Record<string, string>): string[] {
  const root = join(e['XDG_DATA_HOME']!, 'nook');
  const list = (dir: string) => (existsSync(join(root, dir)) ? readdirSync(join(root, dir)) : []);
  return [
    ...list('tmp').map((n) => `tmp/${n}`),
    ...['.', 'blobs/sha256'].flatMap((d) => list(d).filter((n) => n.startsWith('.tmp-')).map((n) => `${d}/${n}`)),
    ...list('layers').filter((n) => !existsSync(join(root, 'layers', n, 'layer.json'))).map((n) => `layers/${n}`),
    ...list('locks').filter((n) => /^layer-/.test(n) && !existsSync(join(root, 'layers', n.slice(6, -5)))).map((n) => `locks/${n}`),
  ];
}

test('a pull killed with SIGKILL at random moments: the next check removes what it left and passes, the next pull completes', async () => {
  const e = freshStore();
  const ref = env('NOOK_TEST_DEBIAN');
  let left = 0;
  for (let i = 0; i < 10; i++) {
    const p = startNook(['pull', '-q', ref], { env: e, timeoutMs: 120_000 });
    await sleep(50 + Math.floor(Math.random() * 1450));
    try {
      // the CLI alone (an OOM kill) or its whole process group
      process.kill(i % 2 === 0 ? p.pid : -p.pid, 'SIGKILL');
    } catch {
      // it finished first
    }
    await p.result;
    if (leftoversIn(e).length > 0) left++;
    const check = await nookIn(e, ['system', 'check']);
    assert.is(check.code, 0, `check after kill ${i}: ${check.stdout}${check.stderr}`);
    assert.equal(leftoversIn(e), [], `check after kill ${i} removed every leftover: ${check.stdout}`);
  }
  assert.ok(left > 0, 'some kills left something to remove');
  ok(await nookIn(e, ['pull', '-q', ref], 300_000), 'pull after kills');
  assert.match(ok(await nookIn(e, ['system', 'check']), 'check after the pull').stdout, /store is clean/);
});

test('a pull in flight is not disturbed by another shell\'s pull and check: its temps are locked, never leftovers', async () => {
  const e = freshStore();
  const first = startNook(['pull', '-q', env('NOOK_TEST_DEBIAN')], { env: e, timeoutMs: 120_000 });
  await waitFor('the pull writing a blob', () => (leftoversIn(e).some((n) => n.startsWith('tmp/blob-')) ? true : undefined), 60_000, 5);
  // the second pull sweeps under the shared lock while the first writes; check waits for both
  const [second, check] = await Promise.all([nookIn(e, ['pull', '-q', env('NOOK_TEST_BUSYBOX')]), nookIn(e, ['system', 'check'])]);
  ok(await first.result, 'the pull in flight');
  ok(second, 'the other pull');
  assert.is(check.code, 0, check.stdout + check.stderr);
  assert.match(ok(await nookIn(e, ['system', 'check']), 'check').stdout, /store is clean: \d+ blobs verified, \d+ layers, 2 images/);
});

test('a store task dies with the CLI that started it: no worker goes on writing under the lock its killed CLI held', async () => {
  const plan = encodeDirectives(planUserNamespaceTask(['sleep', '30'], planIdMaps(currentIdentity()), { lastCap: lastCapability() }));
  const pidFile = join(mkdtempSync(join(tmpdir(), 'nook-task-')), 'pid');
  // a stand-in for the CLI: starts the launcher the way store tasks are started
  const cli = start(process.execPath, ['-e', `
    const c = require('node:child_process').spawn(process.argv[1], ['--args', '3'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
    c.stdio[3].end(Buffer.from(process.argv[2], 'base64'));
    require('node:fs').writeFileSync(process.argv[3], String(c.pid));
    setInterval(() => {}, 1000);`, join(dirname(nookBin()), 'nook-run'), plan.toString('base64'), pidFile], { timeoutMs: 60_000 });
  const launcher = await waitFor('the launcher', () => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : undefined));
  const task = await waitFor('the task', () => processes().find((p) => p.ppid === launcher && p.cmd === 'sleep 30')?.pid);
  process.kill(cli.pid, 'SIGKILL');
  await cli.result;
  try {
    await waitFor('the task to end with its CLI', () => (processes().some((p) => p.pid === task || p.pid === launcher) ? undefined : true), 3_000);
  } finally {
    for (const pid of [task, launcher]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // it ended
      }
    }
    rmSync(dirname(pidFile), { recursive: true, force: true });
  }
});

test('check still fails on damage: a blob whose bytes changed, a layer whose files are gone, an image naming a missing blob', async () => {
  const e = freshStore();
  const ref = env('NOOK_TEST_DEBIAN');
  ok(await nookIn(e, ['pull', '-q', ref]), 'pull');
  const root = join(e['XDG_DATA_HOME']!, 'nook');
  const index = JSON.parse(readFileSync(join(root, 'images.json'), 'utf8')) as { images: Record<string, { id: string; manifestDigest: string; chainIds: string[] }> };
  const image = Object.values(index.images)[0]!;
  const hex = (d: string) => d.slice(7);
  writeFileSync(join(root, 'blobs', 'sha256', hex(image.id)), 'not the config');
  rmSync(join(root, 'blobs', 'sha256', hex(image.manifestDigest)));
  renameSync(join(root, 'layers', hex(image.chainIds[0]!), 'diff'), join(root, 'layers', hex(image.chainIds[0]!), 'gone'));
  const check = await nookIn(e, ['system', 'check']);
  assert.is(check.code, 1, check.stdout + check.stderr);
  assert.match(check.stdout, new RegExp(`^damaged blob: ${image.id} `, 'm'));
  assert.match(check.stdout, new RegExp(`^damaged layer: ${image.chainIds[0]} `, 'm'));
  assert.match(check.stdout, new RegExp(`^broken image ${image.id}: missing .*blob ${image.manifestDigest}`, 'm'));
  ok(await nookIn(e, ['system', 'prune']), 'prune');
  ok(await nookIn(e, ['pull', '-q', ref]), 'pull again');
  assert.match(ok(await nookIn(e, ['system', 'check']), 'check after the pull').stdout, /store is clean/);
});

test('tag, images filters and formats, inspect, history, rmi', async () => {
  const e = freshStore();
  const ref = env('NOOK_TEST_BUSYBOX');
  ok(await nookIn(e, ['pull', '-q', ref]), 'pull');
  ok(await nookIn(e, ['tag', ref, 'mine/box:1']), 'tag');
  const fmt = ok(await nookIn(e, ['images', '--format', '{{.Repository}}:{{.Tag}}']), 'format');
  assert.ok(fmt.stdout.split('\n').includes('mine/box:1'), fmt.stdout);
  const q = ok(await nookIn(e, ['images', '-q']), 'images -q');
  assert.is(q.stdout.trim().split('\n').length, 1, 'one image, two names');
  const info = await inspect(e, 'mine/box:1');
  assert.is(info.RootFS.Layers.length, 1);
  ok(await nookIn(e, ['image', 'history', 'mine/box:1']), 'history');
  const refused = await nookIn(e, ['rmi', q.stdout.trim()]);
  assert.is(refused.code, 125, 'an id with two names needs -f');
  assert.match(ok(await nookIn(e, ['rmi', 'mine/box:1']), 'rmi tag').stdout, /^Untagged: mine\/box:1$/m);
  assert.match(ok(await nookIn(e, ['rmi', ref]), 'rmi').stdout, /^Deleted: sha256:/m);
  const none = ok(await nookIn(e, ['images', '-q']), 'images');
  assert.is(none.stdout, '');
  assert.match(ok(await nookIn(e, ['system', 'check']), 'check').stdout, /store is clean: 0 blobs verified, 0 layers, 0 images/);
  const missing = await nookIn(e, ['rmi', 'nosuch']);
  assert.is(missing.code, 125);
  assert.match(missing.stderr, /^nook: No such image: nosuch/);
});

// Layer files belong to subordinate ids: only nook (its worker in the user namespace) can remove them.
test.after(async () => {
  for (const s of stores) {
    await nookIn(s.env, ['system', 'prune', '-a']);
    rmSync(s.dir, { recursive: true, force: true });
  }
});

test.run();
