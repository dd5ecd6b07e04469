#!/usr/bin/env node
// The one test command (`npm test` runs it after typecheck and build). Runs the unit suites as
// whoever started it, then the end-to-end suites as an unprivileged user: as root it prepares
// the host (test users, subordinate ids, device modes), stages the built CLI and the tests in
// a world-readable directory and drops to `nooktest` (and `nooknosub` for *.nosub.test.ts);
// as any other user it runs them directly. Ends with one line: `N passed, N failed`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { prepareHost } from './setup/host-users.mjs';
import { killLeftovers, subUidRange, ticksSinceBoot } from './setup/leftovers.mjs';
import { runPass } from './setup/run-pass.mjs';
import { privateDir, stageTree } from './setup/stage.mjs';
import { startNetnsServer, stopNetnsServer } from './setup/netns-server.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const timeoutMs = Number(process.env.NOOK_TEST_PASS_TIMEOUT_S ?? 1200) * 1000;
// NOOK_TEST_FILES=network runs only the files whose names contain it (while working on them)
const TEST_FILE = `${process.env.NOOK_TEST_FILES ?? ''}.*\\.test\\.ts$`;
const NOSUB_FILE = '\\.nosub\\.test\\.ts$';
const SAFE_PATH = '/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin';

const totals = { passed: 0, failed: 0, skipped: 0, failures: [] };
function count(result) {
  totals.passed += result.passed;
  totals.failed += result.failed;
  totals.skipped += result.skipped;
  totals.failures.push(...result.failures);
}
function failure(message) {
  count({ passed: 0, failed: 1, skipped: 0, failures: [message] });
}

function uvu(dir, pattern, ignore) {
  return ['--import', 'tsx', 'node_modules/uvu/bin.js', dir, pattern, ...(ignore ? ['-i', ignore] : []), '--no-color'];
}

function e2eFiles(pattern, ignore) {
  const dir = join(repo, 'test', 'e2e');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => new RegExp(pattern).test(f) && !(ignore && new RegExp(ignore).test(f)));
}

async function loadFixtures() {
  const file = join(repo, 'test', 'fixtures', 'setup.mjs');
  return existsSync(file) ? import(pathToFileURL(file).href) : undefined;
}

/** Calls the fixture builder; its env vars reach the e2e processes. A failure is counted. */
async function setupFixtures(fixtures, args) {
  if (!fixtures) return {};
  process.stdout.write('\n== fixtures\n');
  try {
    const env = (await fixtures.setupFixtures(args)) ?? {};
    for (const [k, v] of Object.entries(env)) {
      if (typeof v !== 'string') throw new Error(`setupFixtures returned a non-string value for ${k}`);
    }
    return env;
  } catch (err) {
    failure(`fixtures: ${err instanceof Error ? err.message : String(err)}`);
    process.stderr.write(`${err instanceof Error ? err.stack : err}\n`);
    return {};
  }
}

async function teardownFixtures(fixtures) {
  if (typeof fixtures?.teardownFixtures !== 'function') return;
  try {
    await fixtures.teardownFixtures();
  } catch (err) {
    failure(`fixtures teardown: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** As root: one pass per test user, each dropped to that user with a clean environment. */
async function e2eAsRoot(fixtures) {
  const users = prepareHost({ withRanges: 'nooktest', withoutRanges: 'nooknosub' });
  const stage = stageTree(repo);
  let netns;
  try {
    const fixtureEnv = await setupFixtures(fixtures, {
      cacheDir: join(repo, '.nook-test-cache'),
      stageDir: stage.dir,
      user: users.withRanges.name,
    });
    try {
      netns = startNetnsServer();
      Object.assign(fixtureEnv, netns.env);
    } catch (err) {
      failure(`network test host: ${err instanceof Error ? err.message : String(err)}`);
    }
    const passes = [
      { user: users.withRanges, pattern: TEST_FILE, ignore: NOSUB_FILE },
      { user: users.withoutRanges, pattern: NOSUB_FILE, ignore: undefined },
    ];
    for (const { user, pattern, ignore } of passes) {
      if (e2eFiles(pattern, ignore).length === 0) continue;
      const env = {
        HOME: privateDir(join(stage.dir, `home-${user.name}`), user),
        XDG_RUNTIME_DIR: privateDir(join(stage.dir, `run-${user.name}`), user),
        USER: user.name,
        LOGNAME: user.name,
        PATH: SAFE_PATH,
        LANG: 'C.UTF-8',
        TERM: 'xterm-256color',
        NOOK_BIN: stage.bin,
        // Marks what this pass starts, for the leftover check below.
        NOOK_TEST_RUN: stage.dir,
        NOOK_TEST_USER: users.withRanges.name,
        NOOK_TEST_NOSUB_USER: users.withoutRanges.name,
        ...(process.env.CI ? { CI: process.env.CI } : {}),
        ...fixtureEnv,
      };
      const passStart = ticksSinceBoot();
      const result = await runPass({
        label: `e2e as ${user.name}`,
        command: 'runuser',
        args: ['-u', user.name, '--', 'env', '-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
          process.execPath, ...uvu('test/e2e', pattern, ignore)],
        cwd: stage.repo,
        env: process.env,
        timeoutMs,
      });
      count(result);
      const left = killLeftovers({ uid: user.uid, subIds: subUidRange(user.name, user.uid) }, passStart,
        `NOOK_TEST_RUN=${stage.dir}`);
      if (left.length) failure(`e2e as ${user.name}: processes left running after the pass: ${left.join('; ')}`);
    }
  } finally {
    stopNetnsServer(netns?.dir);
    await teardownFixtures(fixtures);
    rmSync(stage.dir, { recursive: true, force: true });
  }
}

/** Removes a scratch tree; container files there may belong to subordinate ids. */
function removeScratch(dir) {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    try {
      execFileSync('unshare', ['--map-auto', '--map-root-user', 'rm', '-rf', dir], { stdio: 'ignore' });
    } catch {
      process.stdout.write(`note: could not remove ${dir} (files owned by subordinate ids)\n`);
    }
  }
}

/** As any other user: the suites run directly, with a fresh home and runtime dir. */
async function e2eAsUser(fixtures) {
  const me = userInfo();
  const scratch = mkdtempSync(join(tmpdir(), 'nook-test-'));
  try {
    const fixtureEnv = await setupFixtures(fixtures, { cacheDir: join(repo, '.nook-test-cache'), stageDir: scratch, user: me.username });
    const env = {
      ...process.env,
      HOME: privateDir(join(scratch, 'home')),
      XDG_RUNTIME_DIR: privateDir(join(scratch, 'run')),
      NOOK_BIN: join(repo, 'dist', 'nook.cjs'),
      NOOK_TEST_USER: me.username,
      ...fixtureEnv,
    };
    for (const k of ['XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'NOOK_TEST_NOSUB_USER']) delete env[k];
    if (e2eFiles(TEST_FILE, NOSUB_FILE).length > 0) {
      count(await runPass({ label: `e2e as ${me.username}`, command: process.execPath,
        args: uvu('test/e2e', TEST_FILE, NOSUB_FILE), cwd: repo, env, timeoutMs }));
    }
    const nosub = e2eFiles(NOSUB_FILE);
    if (nosub.length > 0) {
      // counted as one skip a file: their tests are not loaded, so not counted one by one
      process.stdout.write(`\nskipped: ${nosub.join(', ')}: creating a user without subordinate ids needs root\n`);
      count({ passed: 0, failed: 0, skipped: nosub.length, failures: [] });
    }
  } finally {
    await teardownFixtures(fixtures);
    removeScratch(scratch);
  }
}

if (existsSync(join(repo, 'test', 'unit'))) {
  count(await runPass({ label: 'unit', command: process.execPath, args: uvu('test/unit', TEST_FILE),
    cwd: repo, env: process.env, timeoutMs }));
}

if (!existsSync(join(repo, 'dist', 'nook.cjs'))) {
  failure('e2e: dist/nook.cjs is missing: run `npm run build` first');
} else {
  try {
    const fixtures = await loadFixtures();
    await (process.getuid?.() === 0 ? e2eAsRoot(fixtures) : e2eAsUser(fixtures));
  } catch (err) {
    failure(`e2e set-up: ${err instanceof Error ? err.message : String(err)}`);
    process.stderr.write(`${err instanceof Error ? err.stack : err}\n`);
  }
}

if (totals.failures.length) {
  process.stdout.write('\nfailures:\n' + totals.failures.map((f) => `  ${f}\n`).join(''));
}
const skipped = totals.skipped ? `, ${totals.skipped} skipped` : '';
process.stdout.write(`\n${totals.passed} passed, ${totals.failed} failed${skipped}\n`);
process.exitCode = totals.failed > 0 ? 1 : 0;
