import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findConfig, loadConfig } from '../../src/config/load.js';
import { configCandidates, projectDirs } from '../../src/config/sources.js';
import { keyPath } from '../../src/config/validate.js';
import { freeSubIdRange, parseSubIdFile, subIdRanges } from '../../src/config/subid.js';
import { NookError } from '../../src/errors.js';

/** A throw-away home with a project dir inside it; HOME and XDG_CONFIG_HOME point into it. */
function sandbox(files: Record<string, string> = {}): { home: string; proj: string; done: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'nook-config-'));
  const home = join(root, 'home');
  const proj = join(home, 'work', 'proj');
  mkdirSync(proj, { recursive: true });
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(home, rel, '..'), { recursive: true });
    writeFileSync(join(home, rel), text);
  }
  const saved = { HOME: process.env['HOME'], XDG: process.env['XDG_CONFIG_HOME'] };
  process.env['HOME'] = home;
  process.env['XDG_CONFIG_HOME'] = join(home, '.config');
  return {
    home,
    proj,
    done: () => {
      process.env['HOME'] = saved.HOME;
      if (saved.XDG === undefined) delete process.env['XDG_CONFIG_HOME'];
      else process.env['XDG_CONFIG_HOME'] = saved.XDG;
      rmSync(root, { recursive: true, force: true });
    },
  };
}

async function loadError(cwd: string): Promise<NookError> {
  try {
    await loadConfig(cwd);
  } catch (err) {
    assert.instance(err, NookError);
    return err as NookError;
  }
  throw new Error('expected loadConfig to fail');
}

test('no config file anywhere: every default', async () => {
  const s = sandbox();
  try {
    const found = await findConfig(s.proj);
    assert.is(found.filepath, null);
    assert.equal(found.config, {
      network: 'auto',
      networkOptions: [],
      storageDriver: 'auto',
      profile: 'default',
      registries: { insecure: [], mirrors: {} },
      limits: { maxLayerBytes: 16 * 1024 ** 3, maxImageBytes: 64 * 1024 ** 3, pullConcurrency: 3 },
      logs: { maxSize: 10 * 1024 ** 2, maxFiles: 3 },
      ulimits: {},
    });
  } finally {
    s.done();
  }
});

test('a valid YAML file in a parent dir: its values, defaults for the rest', async () => {
  const s = sandbox({
    'work/.nookrc.yaml': [
      'network: pasta',
      'limits:',
      '  pullConcurrency: 8',
      'registries:',
      '  insecure: [localhost:5000]',
      '  mirrors:',
      '    docker.io: [mirror.example:5000]',
      'ulimits:',
      '  nofile: "1024:4096"',
    ].join('\n'),
  });
  try {
    const found = await findConfig(s.proj);
    assert.is(found.filepath, join(s.home, 'work/.nookrc.yaml'));
    assert.is(found.config.network, 'pasta');
    assert.is(found.config.limits.pullConcurrency, 8);
    assert.is(found.config.limits.maxLayerBytes, 16 * 1024 ** 3);
    assert.equal(found.config.registries, { insecure: ['localhost:5000'], mirrors: { 'docker.io': ['mirror.example:5000'] } });
    assert.equal(found.config.ulimits, { nofile: '1024:4096' });
    assert.is(found.config.storageDriver, 'auto');
  } finally {
    s.done();
  }
});

test('the nearest file wins over the user config dir', async () => {
  const s = sandbox({
    'work/proj/nook.config.json': '{"storageDriver": "copy"}',
    '.config/nook/config.yaml': 'storageDriver: overlay\n',
  });
  try {
    assert.is((await loadConfig(s.proj)).storageDriver, 'copy');
    rmSync(join(s.proj, 'nook.config.json'));
    assert.is((await loadConfig(s.proj)).storageDriver, 'overlay');
  } finally {
    s.done();
  }
});

test('package.json counts only with a "nook" key', async () => {
  const s = sandbox({
    'work/proj/package.json': '{"name": "nook"}',
    'work/package.json': '{"name": "x", "nook": {"profile": "strict"}}',
  });
  try {
    const found = await findConfig(s.proj);
    assert.is(found.filepath, join(s.home, 'work/package.json'));
    assert.is(found.config.profile, 'strict');
  } finally {
    s.done();
  }
});

test('an ES module config is loaded', async () => {
  const s = sandbox({ 'work/proj/nook.config.mjs': 'export default { logs: { maxFiles: 7 } };\n' });
  try {
    assert.is((await loadConfig(s.proj)).logs.maxFiles, 7);
  } finally {
    s.done();
  }
});

test('an unknown key is an error naming the file, the key and the known keys', async () => {
  const s = sandbox({ '.nookrc.yaml': 'limits:\n  pullConcurency: 4\n' });
  try {
    const err = await loadError(s.proj);
    assert.is(
      err.message,
      `config ${join(s.home, '.nookrc.yaml')}: limits.pullConcurency: unknown key (known keys: maxLayerBytes, maxImageBytes, pullConcurrency)`,
    );
    assert.is(err.exitCode, 125);
  } finally {
    s.done();
  }
});

test('a bad value names the file, the key path and the value', async () => {
  const cases: Array<[string, string]> = [
    ['network: bridge\n', 'network: expected one of auto|pasta|slirp4netns|none|host, got "bridge"'],
    ['limits: {pullConcurrency: 17}\n', 'limits.pullConcurrency: expected an integer from 1 to 16, got 17'],
    ['registries: {mirrors: {docker.io: [5]}}\n', 'registries.mirrors["docker.io"][0]: expected a registry host such as localhost:5000, got 5'],
    ['ulimits: {nofile: "4096:1024"}\n', 'ulimits.nofile: expected a soft limit no higher than the hard limit, got "4096:1024"'],
    ['ulimits: {files: "10"}\n', 'ulimits.files: expected one of as|core|cpu|data|fsize|locks|memlock|msgqueue|nice|nofile|nproc|rss|rtprio|rttime|sigpending|stack, got "files"'],
    ['just a string\n', 'expected an object, got "just a string"'],
  ];
  for (const [text, message] of cases) {
    const s = sandbox({ '.nookrc': text });
    try {
      assert.is((await loadError(s.proj)).message, `config ${join(s.home, '.nookrc')}: ${message}`);
    } finally {
      s.done();
    }
  }
});

test('a syntax error names the file and the position', async () => {
  const s = sandbox({ 'work/proj/.nookrc.yml': 'network: [none\n' });
  try {
    const msg = (await loadError(s.proj)).message;
    assert.ok(msg.startsWith(`config ${join(s.proj, '.nookrc.yml')}: YAML syntax error at line `), msg);
    assert.not.ok(msg.includes('\n'), 'one line');
  } finally {
    s.done();
  }
  const j = sandbox({ 'work/proj/.nookrc.json': '{"network": "none",}' });
  try {
    const msg = (await loadError(j.proj)).message;
    assert.ok(msg.startsWith(`config ${join(j.proj, '.nookrc.json')}: syntax error: `), msg);
  } finally {
    j.done();
  }
});

test('an empty file is skipped, as cosmiconfig does', async () => {
  const s = sandbox({ 'work/proj/.nookrc': '', 'work/.nookrc.json': '{"network": "host"}' });
  try {
    assert.is((await loadConfig(s.proj)).network, 'host');
  } finally {
    s.done();
  }
});

test('search order: cwd up to home, then the user dir, then /etc/nook', () => {
  assert.equal(projectDirs('/home/a/x/y', '/home/a'), ['/home/a/x/y', '/home/a/x', '/home/a']);
  assert.equal(projectDirs('/srv/x', '/home/a'), ['/srv/x', '/srv', '/']);
  const c = configCandidates({ cwd: '/home/a/x', home: '/home/a', userDir: '/home/a/.config/nook', systemDir: '/etc/nook' });
  assert.is(c[0], '/home/a/x/package.json');
  assert.is(c[1], '/home/a/x/.nookrc');
  assert.ok(c.indexOf('/home/a/.nookrc.yaml') < c.indexOf('/home/a/.config/nook/config.yaml'));
  assert.is(c.at(-1), '/etc/nook/config.mjs');
});

test('keyPath quotes keys that are not identifiers', () => {
  assert.is(keyPath(['limits', 'pullConcurrency']), 'limits.pullConcurrency');
  assert.is(keyPath(['registries', 'mirrors', 'docker.io', 0]), 'registries.mirrors["docker.io"][0]');
});

const SUBUID = [
  '# managed by hand',
  'alice:100000:65536',
  '',
  '1000:300000:1000',
  'bob:165536:65536',
  'broken line',
  'carol:x:5',
  'dave:500000:0',
  '  alice:400000:65536  ',
].join('\n');

test('parseSubIdFile keeps well-formed entries only', () => {
  assert.equal(parseSubIdFile(SUBUID), [
    { name: 'alice', start: 100000, count: 65536 },
    { name: '1000', start: 300000, count: 1000 },
    { name: 'bob', start: 165536, count: 65536 },
    { name: 'alice', start: 400000, count: 65536 },
  ]);
});

test('subIdRanges matches the user by name or by uid, every entry', () => {
  assert.equal(subIdRanges(SUBUID, 'alice', 1000), [
    { start: 100000, count: 65536 },
    { start: 300000, count: 1000 },
    { start: 400000, count: 65536 },
  ]);
  assert.equal(subIdRanges(SUBUID, 'bob', 1001), [{ start: 165536, count: 65536 }]);
  assert.equal(subIdRanges(SUBUID, 'eve', 1002), []);
});

test('freeSubIdRange skips every taken range', () => {
  assert.equal(freeSubIdRange([]), { start: 100000, count: 65536 });
  // 100000-231071 taken, then a gap of 68928 before 300000: enough.
  assert.equal(freeSubIdRange(parseSubIdFile(SUBUID)), { start: 231072, count: 65536 });
  assert.equal(freeSubIdRange([{ name: 'x', start: 150000, count: 10 }, { name: 'y', start: 0, count: 120000 }]), { start: 150010, count: 65536 });
});

test.run();
