import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import { configNotices, findConfig, searchRoots } from '../../src/config/load.js';
import { distrust, forbiddenInProject, mergeLayers, soleMemberGroup, type FileFacts } from '../../src/config/layers.js';
import { parseGroup, parsePasswd } from '../../src/core/users.js';
import { configSchema, KEY_TRUST, type TrustTree } from '../../src/config/schema.js';
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

async function loadError(cwd: string, roots = searchRoots(cwd)): Promise<NookError> {
  try {
    await findConfig(cwd, roots);
  } catch (err) {
    assert.instance(err, NookError);
    return err as NookError;
  }
  throw new Error('expected findConfig to fail');
}

test('no config file anywhere: every default', async () => {
  const s = sandbox();
  try {
    const found = await findConfig(s.proj);
    assert.equal(found.files, []);
    assert.equal(configNotices(found), []);
    assert.equal(found.config, {
      network: 'auto',
      networkOptions: [],
      storageDriver: 'auto',
      profile: 'default',
      registries: { insecure: [], mirrors: {} },
      limits: { maxLayerBytes: 16 * 1024 ** 3, maxImageBytes: 64 * 1024 ** 3, maxExpansionRatio: 100, minFreeBytes: 1024 ** 3, pullConcurrency: 3, headerTimeoutSeconds: 30, idleTimeoutSeconds: 30, pids: 4096, fileSize: 16 * 1024 ** 3, tmpfsSize: 1024 ** 3, mechanism: 'auto' },
      logs: { maxSize: 10 * 1024 ** 2, maxFiles: 3 },
      ulimits: {},
    });
  } finally {
    s.done();
  }
});

test('the user config may set every key; a project file in a parent dir its harmless ones, over the user\'s', async () => {
  const s = sandbox({
    '.config/nook/config.yaml': [
      'network: pasta',
      'profile: strict',
      'logs: {maxSize: 2048, maxFiles: 4}',
      'registries:',
      '  insecure: [localhost:5000]',
      '  mirrors:',
      '    docker.io: [mirror.example:5000]',
      'ulimits:',
      '  nproc: "100"',
    ].join('\n'),
    'work/.nookrc.yaml': ['limits:', '  pullConcurrency: 8', 'logs: {maxFiles: 7}', 'ulimits:', '  nofile: "1024:4096"'].join('\n'),
  });
  try {
    const found = await findConfig(s.proj);
    const user = join(s.home, '.config/nook/config.yaml');
    const project = join(s.home, 'work/.nookrc.yaml');
    assert.equal(found.files, [{ layer: 'user', path: user }, { layer: 'project', path: project }]);
    assert.equal(configNotices(found), [`nook: using config ${project} (project)`]);
    assert.is(found.config.network, 'pasta');
    assert.is(found.config.profile, 'strict');
    assert.is(found.config.limits.pullConcurrency, 8);
    assert.is(found.config.limits.maxLayerBytes, 16 * 1024 ** 3);
    assert.equal(found.config.logs, { maxSize: 2048, maxFiles: 7 });
    assert.equal(found.config.registries, { insecure: ['localhost:5000'], mirrors: { 'docker.io': ['mirror.example:5000'] } });
    // a record is one setting: the project's replaces the user's
    assert.equal(found.config.ulimits, { nofile: '1024:4096' });
    assert.is(found.config.storageDriver, 'auto');
    assert.equal(found.origins.get('profile'), { layer: 'user', path: user });
    assert.equal(found.origins.get('logs.maxFiles'), { layer: 'project', path: project });
    assert.equal(found.origins.get('logs.maxSize'), { layer: 'user', path: user });
    assert.is(found.origins.get('storageDriver'), undefined);
  } finally {
    s.done();
  }
});

test('layers: system < user < project, and only the nearest project file counts', async () => {
  const s = sandbox({
    'etc/config.json': '{"storageDriver": "copy", "profile": "strict", "logs": {"maxFiles": 2, "maxSize": 1000}}',
    '.config/nook/config.yml': 'storageDriver: overlay\n',
    'work/proj/nook.config.json': '{"logs": {"maxFiles": 5}}',
    'work/.nookrc': 'limits: {pullConcurrency: 9}\n',
  });
  try {
    const roots = { ...searchRoots(s.proj), systemDir: join(s.home, 'etc') };
    const found = await findConfig(s.proj, roots);
    assert.equal(found.files.map((f) => f.layer), ['system', 'user', 'project']);
    assert.is(found.config.storageDriver, 'overlay');
    assert.is(found.config.profile, 'strict');
    assert.equal(found.config.logs, { maxFiles: 5, maxSize: 1000 });
    assert.is(found.config.limits.pullConcurrency, 3, 'work/.nookrc is farther than proj/nook.config.json');
    assert.equal(found.origins.get('profile'), { layer: 'system', path: join(s.home, 'etc/config.json') });
  } finally {
    s.done();
  }
});

test('a project file may not set a security-relevant key: the error names the file and the key, and where to move it', async () => {
  const cases: Array<[string, string]> = [
    ['profile: unconfined\n', 'profile'],
    ['network: host\n', 'network'],
    ['networkOptions: [allow_host_loopback=true]\n', 'networkOptions'],
    ['storageDriver: fuse-overlayfs\n', 'storageDriver'],
    ['logs: {maxFiles: 2}\nregistries: {mirrors: {docker.io: [evil.example]}}\n', 'registries.mirrors'],
    ['registries: {insecure: [evil.example]}\n', 'registries.insecure'],
    ['limits: {maxLayerBytes: 1000000000000000}\n', 'limits.maxLayerBytes'],
  ];
  for (const [text, key] of cases) {
    const s = sandbox({ 'work/proj/.nookrc': text });
    try {
      const err = await loadError(s.proj);
      assert.is(err.message, `config ${join(s.proj, '.nookrc')}: ${key} may not be set by a project file, only by your own config (it can weaken the sandbox or redirect what nook trusts)`);
      assert.is(err.hint, `move it to ${join(s.home, '.config/nook/config.yaml')}`);
      assert.is(err.exitCode, 125);
    } finally {
      s.done();
    }
  }
});

/** Every setting of the schema as a dotted key: nested strict objects walked, anything else a leaf. */
function schemaSettings(schema: unknown, prefix = ''): string[] {
  const s = schema as { type: string; wrapped?: unknown; entries?: Record<string, unknown> };
  if (s.type === 'optional') return schemaSettings(s.wrapped, prefix);
  if (s.type !== 'strict_object' || !s.entries) return [prefix.slice(0, -1)];
  return Object.entries(s.entries).flatMap(([k, sub]) => schemaSettings(sub, `${prefix}${k}.`));
}

function treeSettings(tree: TrustTree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, t]) => (typeof t === 'string' ? [prefix + k] : treeSettings(t, `${prefix}${k}.`)));
}

test('every key of the schema is classified for trust, and nothing else is', () => {
  assert.equal(treeSettings(KEY_TRUST).sort(), schemaSettings(configSchema).sort());
  assert.ok(schemaSettings(configSchema).includes('limits.pullConcurrency'), 'the walk reaches nested keys');
});

test('forbiddenInProject: the first key only a user may set, through nested objects', () => {
  assert.is(forbiddenInProject({ logs: { maxFiles: 3 }, ulimits: { nofile: '10' }, limits: { pullConcurrency: 2, headerTimeoutSeconds: 5, idleTimeoutSeconds: 5 } }), undefined);
  assert.is(forbiddenInProject({ limits: { pullConcurrency: 2, maxImageBytes: 5 } }), 'limits.maxImageBytes');
  // lifting a disk guard is as much the user's call as lifting a size limit
  assert.is(forbiddenInProject({ limits: { maxExpansionRatio: 100000 } }), 'limits.maxExpansionRatio');
  assert.is(forbiddenInProject({ limits: { minFreeBytes: 1 } }), 'limits.minFreeBytes');
  // a project could otherwise lift every container's default caps
  assert.is(forbiddenInProject({ limits: { pids: 100000 } }), 'limits.pids');
  assert.is(forbiddenInProject({ limits: { fileSize: 1 } }), 'limits.fileSize');
  assert.is(forbiddenInProject({ registries: {} }), undefined, 'an empty object sets nothing');
  assert.is(forbiddenInProject({ logs: { maxFiles: 3 } }, { logs: {} }), 'logs.maxFiles', 'an unclassified key is the user\'s');
});

test('mergeLayers: nested objects key by key, leaves whole, origins by key', () => {
  const { raw, origins } = mergeLayers([
    { layer: 'system', path: '/s', raw: { registries: { mirrors: { a: ['m'] }, insecure: ['x'] }, ulimits: { nproc: '1' } } },
    { layer: 'user', path: '/u', raw: { registries: { mirrors: { b: ['n'] } }, profile: 'strict' } },
  ]);
  assert.equal(raw, { registries: { mirrors: { b: ['n'] }, insecure: ['x'] }, ulimits: { nproc: '1' }, profile: 'strict' });
  assert.equal(origins.get('registries.mirrors'), { layer: 'user', path: '/u' });
  assert.equal(origins.get('registries.insecure'), { layer: 'system', path: '/s' });
  v.parse(configSchema, raw);
});

const facts = (over: Partial<Omit<FileFacts, 'dir'>> & { dir?: Partial<FileFacts['dir']> } = {}): FileFacts => ({
  path: '/p/.nookrc', linkUid: 1000, uid: 1000, gid: 1000, mode: 0o100644, ...over,
  dir: { path: '/p', uid: 1000, gid: 1000, mode: 0o40755, ...over.dir },
});
/** No group holds only the user / group 1000 does (a user private group). */
const shared = () => false;
const privateGroup = (gid: number) => gid === 1000;

test('distrust: a file of the user or root, writable by nobody else, in a directory nobody else can swap it in', () => {
  assert.is(distrust(facts(), 1000, shared), undefined);
  assert.is(distrust(facts({ uid: 0, linkUid: 0, dir: { uid: 0 } }), 1000, shared), undefined, 'root\'s');
  assert.is(distrust(facts({ dir: { uid: 0, mode: 0o41777 } }), 1000, shared), undefined, 'the user\'s own file in /tmp');
  assert.is(distrust(facts({ uid: 1001, linkUid: 1001, dir: { uid: 0, mode: 0o41777 } }), 1000, shared)?.reason, 'it is owned by uid 1001, not by you (uid 1000) or root', 'another user\'s file in /tmp');
  assert.is(distrust(facts({ linkUid: 1001 }), 1000, shared)?.reason, 'it is a link owned by uid 1001, not by you (uid 1000) or root');
  assert.is(distrust(facts({ mode: 0o100664 }), 1000, shared)?.reason, 'it is writable by its group (mode 664)');
  assert.is(distrust(facts({ mode: 0o100646 }), 1000, privateGroup)?.reason, 'it is writable by others (mode 646)');
  assert.is(distrust(facts({ dir: { uid: 1001 } }), 1000, shared)?.reason, 'its directory /p is owned by uid 1001, not by you (uid 1000) or root');
  assert.is(distrust(facts({ dir: { mode: 0o40777 } }), 1000, privateGroup)?.reason, 'its directory /p is writable by others and not sticky, so the file can be swapped');
  assert.is(distrust(facts({ dir: { mode: 0o40775 } }), 1000, shared)?.reason, 'its directory /p is writable by its group and not sticky, so the file can be swapped');
  assert.is(distrust(facts({ uid: 0, linkUid: 0 }), 0, shared)?.reason, 'its directory /p is owned by uid 1000, not by you (uid 0) or root', 'root\'s file in a directory the user may swap it in');
  assert.is(distrust(facts(), 0, shared)?.reason, 'it is owned by uid 1000, not by you (uid 0) or root', 'root trusts no other user\'s file');
  // each reason names its fix
  assert.is(distrust(facts({ uid: 1001 }), 1000, shared)?.fix, 'remove it if you did not write it, or run nook from another directory');
  assert.is(distrust(facts({ mode: 0o100666 }), 1000, shared)?.fix, 'chmod go-w /p/.nookrc');
  assert.is(distrust(facts({ dir: { mode: 0o40777 } }), 1000, shared)?.fix, 'move it to a directory of your own');
});

test('distrust: group-writable is harmless when the group holds only the user (umask 002 with user private groups)', () => {
  assert.is(distrust(facts({ mode: 0o100664, dir: { mode: 0o40775 } }), 1000, privateGroup), undefined);
  assert.is(distrust(facts({ mode: 0o100664, gid: 100 }), 1000, privateGroup)?.reason, 'it is writable by its group (mode 664)');
});

test('soleMemberGroup: every member by primary group or by the list is the user or root, and the user is one', () => {
  const passwd = parsePasswd(['root:x:0:0::/root:/bin/sh', 'alice:x:1000:1000::/home/alice:/bin/sh', 'bob:x:1001:100::/home/bob:/bin/sh', 'carol:x:1002:100::/home/carol:/bin/sh'].join('\n'));
  const groups = parseGroup(['root:x:0:', 'alice:x:1000:', 'users:x:100:alice', 'solo:x:2000:alice', 'withroot:x:2001:alice,root', 'ghost:x:2002:alice,nobody-known', 'empty:x:2003:'].join('\n'));
  assert.ok(soleMemberGroup(1000, 1000, passwd, groups), 'alice\'s private group');
  assert.ok(soleMemberGroup(2000, 1000, passwd, groups), 'a group listing only alice');
  assert.ok(soleMemberGroup(2001, 1000, passwd, groups), 'alice and root');
  assert.not.ok(soleMemberGroup(100, 1000, passwd, groups), 'users: bob and carol have it as their primary group');
  assert.not.ok(soleMemberGroup(2002, 1000, passwd, groups), 'a member passwd does not know');
  assert.not.ok(soleMemberGroup(2003, 1000, passwd, groups), 'no member at all');
  assert.not.ok(soleMemberGroup(4242, 1000, passwd, groups), 'an unknown group');
});

test('a file writable by others is refused as any layer', async () => {
  for (const rel of ['work/proj/.nookrc', '.config/nook/config']) {
    const s = sandbox({ [rel]: 'logs: {maxFiles: 4}\n' });
    const path = join(s.home, rel);
    try {
      chmodSync(path, 0o666);
      const open = await loadError(s.proj);
      assert.is(open.message, `config ${path}: refused: it is writable by others (mode 666)`);
      assert.is(open.hint, `chmod go-w ${path}`);
    } finally {
      s.done();
    }
  }
});

// Files of another owner need chown, which only root has; as any other user the e2e config
// suite makes them through a subordinate uid instead.
const asRoot = process.getuid?.() === 0 ? test : test.skip;

asRoot('a file owned by another user is refused as any layer', async () => {
  for (const rel of ['work/proj/.nookrc', '.config/nook/config']) {
    const s = sandbox({ [rel]: 'logs: {maxFiles: 4}\n' });
    const path = join(s.home, rel);
    try {
      chownSync(path, 4321, 4321);
      const err = await loadError(s.proj);
      assert.is(err.message, `config ${path}: refused: it is owned by uid 4321, not by you (uid ${process.getuid!()}) or root`);
      assert.is(err.exitCode, 125);
    } finally {
      s.done();
    }
  }
});

asRoot('whose a file is is judged before what it says: another user\'s garbage is refused as theirs', async () => {
  const s = sandbox({ 'work/proj/.nookrc': 'network: [unclosed\n' });
  const path = join(s.proj, '.nookrc');
  try {
    chownSync(path, 4321, 4321);
    assert.is((await loadError(s.proj)).message, `config ${path}: refused: it is owned by uid 4321, not by you (uid ${process.getuid!()}) or root`);
  } finally {
    s.done();
  }
});

test('config code is never run: a nook.config.mjs or .js is named in a notice, the data file beside it applies', async () => {
  const s = sandbox();
  const marker = join(s.home, 'ran');
  writeFileSync(join(s.proj, 'nook.config.mjs'), `import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(marker)}, 'x'); export default {};\n`);
  writeFileSync(join(s.proj, 'nook.config.js'), `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'x'); module.exports = {};\n`);
  writeFileSync(join(s.proj, '.nookrc.json'), '{"logs": {"maxFiles": 6}}');
  try {
    const found = await findConfig(s.proj);
    assert.not.ok(existsSync(marker), 'the code ran');
    assert.is(found.config.logs.maxFiles, 6);
    assert.equal(found.ignored, [join(s.proj, 'nook.config.js'), join(s.proj, 'nook.config.mjs')]);
    assert.equal(configNotices(found), [
      `nook: notice: ignoring ${join(s.proj, 'nook.config.js')}: nook never runs config code; write it as YAML or JSON`,
      `nook: notice: ignoring ${join(s.proj, 'nook.config.mjs')}: nook never runs config code; write it as YAML or JSON`,
      `nook: using config ${join(s.proj, '.nookrc.json')} (project)`,
    ]);
  } finally {
    s.done();
  }
});

test('package.json counts only with a "nook" key', async () => {
  const s = sandbox({
    'work/proj/package.json': '{"name": "nook"}',
    'work/package.json': '{"name": "x", "nook": {"logs": {"maxFiles": 8}}}',
  });
  try {
    const found = await findConfig(s.proj);
    assert.equal(found.files, [{ layer: 'project', path: join(s.home, 'work/package.json') }]);
    assert.is(found.config.logs.maxFiles, 8);
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
      `config ${join(s.home, '.nookrc.yaml')}: limits.pullConcurency: unknown key (known keys: maxLayerBytes, maxImageBytes, maxExpansionRatio, minFreeBytes, pullConcurrency, headerTimeoutSeconds, idleTimeoutSeconds, pids, fileSize, tmpfsSize, mechanism)`,
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
    ['limits: {pids: 0}\n', 'limits.pids: expected an integer from 1 to 4194304, got 0'],
    ['limits: {mechanism: cgroup}\n', 'limits.mechanism: expected one of auto|rlimits|cgroup-v2, got "cgroup"'],
    ['limits: {maxExpansionRatio: 0.5}\n', 'limits.maxExpansionRatio: expected the expansion ratio limit as a positive whole number, got 0.5'],
    ['limits: {minFreeBytes: 0}\n', 'limits.minFreeBytes: expected the free space an unpack must leave as a positive whole number of bytes, got 0'],
    ['registries: {mirrors: {docker.io: [5]}}\n', 'registries.mirrors["docker.io"][0]: expected a registry host such as localhost:5000, got 5'],
    ['ulimits: {nofile: "4096:1024"}\n', 'ulimits.nofile: expected a soft limit no higher than the hard limit, got "4096:1024"'],
    ['ulimits: {files: "10"}\n', 'ulimits.files: expected one of as|core|cpu|data|fsize|locks|memlock|msgqueue|nice|nofile|nproc|rss|rtprio|rttime|sigpending|stack, got "files"'],
    ['just a string\n', 'expected an object, got "just a string"'],
  ];
  for (const [text, message] of cases) {
    const s = sandbox({ '.config/nook/config': text });
    try {
      assert.is((await loadError(s.proj)).message, `config ${join(s.home, '.config/nook/config')}: ${message}`);
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

test('an empty file holds no config: the search goes on', async () => {
  const s = sandbox({ 'work/proj/.nookrc': '', 'work/.nookrc.json': '{"logs": {"maxFiles": 9}}' });
  try {
    assert.is((await findConfig(s.proj)).config.logs.maxFiles, 9);
  } finally {
    s.done();
  }
});

test('search order: /etc/nook, then the user dir, then cwd up to home', () => {
  assert.equal(projectDirs('/home/a/x/y', '/home/a'), ['/home/a/x/y', '/home/a/x', '/home/a']);
  assert.equal(projectDirs('/srv/x', '/home/a'), ['/srv/x', '/srv', '/']);
  const c = configCandidates({ cwd: '/home/a/x', home: '/home/a', userDir: '/home/a/.config/nook', systemDir: '/etc/nook' });
  assert.equal(c.map((g) => g.layer), ['system', 'user', 'project', 'project']);
  assert.equal(c[0]!.files, ['/etc/nook/config', '/etc/nook/config.json', '/etc/nook/config.yaml', '/etc/nook/config.yml']);
  assert.ok(c[1]!.ignored.includes('/home/a/.config/nook/config.mjs'));
  assert.is(c[2]!.files[0], '/home/a/x/package.json');
  assert.is(c[2]!.files[1], '/home/a/x/.nookrc');
  assert.ok(c[3]!.ignored.includes('/home/a/nook.config.js'));
  assert.not.ok(c.some((g) => g.files.some((f) => /\.[cm]?[jt]s$/.test(f))), 'no code file is a candidate');
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
