// Shared by the benchmarks: run as root, they measure as the unprivileged test user (as the
// tests do); hyperfine does the timing; peers (podman, crun, bwrap) are installed from Debian
// when missing. Every benchmark prints medians and ratios side by side from one run.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync, chownSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareHost } from '../test/setup/host-users.mjs';
import { privateDir } from '../test/setup/stage.mjs';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const USER = 'nooktest';

export function need(...packages) {
  const missing = packages.filter((p) => spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' }).stdout.indexOf('install ok installed') < 0);
  if (missing.length === 0) return;
  if (process.getuid() !== 0) throw new Error(`missing Debian packages: ${missing.join(' ')}`);
  execFileSync('apt-get', ['install', '-y', '-q', ...missing], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** The bench user (created with subordinate ids when root), the staged CLI, a private runtime dir. */
export function setup() {
  if (process.getuid() !== 0) {
    return { user: undefined, bin: join(repo, 'dist', 'nook.cjs'), env: { ...process.env }, home: process.env.HOME };
  }
  // the test users, as test/run.mjs makes them: the bench measures as the one with ranges
  const { withRanges: u } = prepareHost({ withRanges: USER, withoutRanges: 'nooknosub' });
  const dir = mkdtempSync('/tmp/nook-bench-');
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  chmodSync(dir, 0o755);
  cpSync(join(repo, 'dist'), join(dir, 'lib'), { recursive: true });
  execFileSync('chmod', ['-R', 'a+rX', dir]);
  const run = privateDir(join(dir, 'run'), u);
  const home = u.home;
  const env = { HOME: home, USER, LOGNAME: USER, PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', XDG_RUNTIME_DIR: run, LANG: 'C.UTF-8' };
  return { user: USER, bin: join(dir, 'lib', 'nook.cjs'), env, home, uid: u.uid, gid: u.gid };
}

/** The middle value (the upper one of an even count). */
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Runs a shell command as the bench user. */
export function asUser(ctx, command, opts = {}) {
  const argv = ctx.user ? ['runuser', '-u', ctx.user, '--', 'env', '-i', ...Object.entries(ctx.env).map(([k, v]) => `${k}=${v}`), 'sh', '-c', command] : ['sh', '-c', command];
  return spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', cwd: '/tmp', maxBuffer: 64 << 20, ...opts });
}

export function mustAsUser(ctx, command) {
  const r = asUser(ctx, command);
  if (r.status !== 0) throw new Error(`failed (${r.status}): ${command}\n${r.stderr}`);
  return r.stdout;
}

/**
 * hyperfine over named commands; returns name -> { median, mean, cpu } in ms, cpu being the
 * mean user + system time of the command and its children: on a loaded machine the wall
 * clock waits for other work, CPU time much less.
 */
export function hyperfine(ctx, commands, { runs = 20, warmup = 3 } = {}) {
  const out = `/tmp/nook-bench-${process.pid}.json`;
  const args = ['-N', '-w', String(warmup), '-r', String(runs), '--export-json', out, ...Object.entries(commands).flatMap(([name, cmd]) => ['-n', name, cmd])];
  const quoted = ['hyperfine', ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = asUser(ctx, quoted, { stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`hyperfine failed: ${r.stderr}`);
  const data = JSON.parse(readFileSync(out, 'utf8'));
  return Object.fromEntries(data.results.map((x) => [x.command, { median: x.median * 1000, mean: x.mean * 1000, cpu: (x.user + x.system) * 1000 }]));
}

/** A table: name, median ms, CPU ms, ratio of the medians to `base`. */
export function report(title, results, base) {
  console.log(`\n${title}`);
  const b = results[base]?.median;
  for (const [name, r] of Object.entries(results)) {
    const ratio = b ? ` ${(r.median / b).toFixed(2)}x ${base}` : '';
    console.log(`  ${name.padEnd(44)} ${r.median.toFixed(1).padStart(8)} ms  cpu ${r.cpu.toFixed(1).padStart(6)} ms${ratio}`);
  }
}

/** Rootless podman as the peer, configured as Debian 12 needs it (see DESIGN.md §7). */
export function setupPodman(ctx) {
  need('podman', 'runc', 'uidmap', 'slirp4netns', 'fuse-overlayfs');
  const conf = join(ctx.home, '.config', 'containers');
  const files = {
    'containers.conf': '[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\nruntime = "runc"\n',
    'storage.conf': '[storage]\ndriver = "overlay"\n',
  };
  mustAsUser(ctx, `mkdir -p ${conf}`);
  for (const [name, text] of Object.entries(files)) {
    const path = join(conf, name);
    writeFileSync(path, text);
    if (ctx.user) chownSync(path, ctx.uid, ctx.gid);
  }
}

/** The test fixtures (local registry and images, cached in .nook-test-cache), readable by the bench user. */
export async function benchFixtures(ctx) {
  const stage = mkdtempSync('/tmp/nook-bench-stage-');
  chmodSync(stage, 0o755);
  const { setupFixtures, teardownFixtures } = await import(join(repo, 'test', 'fixtures', 'setup.mjs'));
  const fx = await setupFixtures({ cacheDir: join(repo, '.nook-test-cache'), stageDir: stage, user: ctx.user });
  return { fx, teardown: teardownFixtures };
}
