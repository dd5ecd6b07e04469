// Issue 16: a config file in the current directory (a cloned repository, /tmp) may not weaken
// the sandbox, run code, or come from another user; the user is told which files are in effect.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nook, type Result } from './harness.js';

const test = suite('config');

const work = mkdtempSync(join(tmpdir(), 'nook-config-'));
/** The user's own config dir, empty unless a test writes it. */
const xdg = join(work, 'xdg');
mkdirSync(join(xdg, 'nook'), { recursive: true });
test.after(() => rmSync(work, { recursive: true, force: true }));

/** A project directory holding these files. */
function project(files: Record<string, string>, mode = 0o755): string {
  const dir = mkdtempSync(join(work, 'proj-'));
  chmodSync(dir, mode);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const inDir = (dir: string, args: string[]): Promise<Result> => nook(args, { cwd: dir, env: { XDG_CONFIG_HOME: xdg } });
const seccompLine = ['run', '--rm', '--network', 'none', 'host', 'grep', '^Seccomp:', '/proc/self/status'];

function refusedInOneLine(r: Result, pattern: RegExp, what: string): void {
  assert.is(r.code, 125, `${what}: exit ${r.code}\n${r.stdout}${r.stderr}`);
  assert.is(r.stdout, '', `${what}: the container ran`);
  const lines = r.stderr.trim().split('\n');
  assert.is(lines.length, 1, `${what}: one line, got:\n${r.stderr}`);
  assert.match(lines[0]!, pattern, `${what}: ${lines[0]}`);
}

test('a project .nookrc setting profile: unconfined or network: host is refused, naming the file and the key', async () => {
  for (const [text, key] of [['profile: unconfined\n', 'profile'], ['network: host\n', 'network']] as const) {
    const dir = project({ '.nookrc': text });
    const r = await inDir(dir, seccompLine);
    refusedInOneLine(r, new RegExp(`^nook: config ${dir}/\\.nookrc: ${key} may not be set by a project file, .*\\(move it to ${xdg}/nook/config\\.yaml\\)$`), key);
  }
});

test('a harmless project file applies, is named on stderr and by nook info; the container stays filtered', async () => {
  const dir = project({ '.nookrc.yaml': 'logs: {maxFiles: 5}\n' });
  const file = join(dir, '.nookrc.yaml');
  const r = await inDir(dir, seccompLine);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Seccomp:\s+2$/m, 'seccomp filter mode');
  assert.is(r.stderr, `nook: using config ${file} (project)\n`);

  const info = await inDir(dir, ['info']);
  assert.is(info.code, 0, info.stderr);
  assert.match(info.stdout, new RegExp(`^Config files: +${file} \\(project\\)$`, 'm'));
  assert.match(info.stdout, /^Seccomp profile: default \(built-in default;/m);

  // the user's own config may set the profile, and says so; stdout stays JSON
  writeFileSync(join(xdg, 'nook', 'config.yaml'), 'profile: strict\n');
  try {
    const json = await inDir(dir, ['info', '--format', 'json']);
    assert.is(json.code, 0, json.stderr);
    const data = JSON.parse(json.stdout) as { seccompProfile: string; seccompProfileSource: unknown; configFiles: unknown };
    assert.is(data.seccompProfile, 'strict');
    assert.equal(data.seccompProfileSource, { from: 'user', path: join(xdg, 'nook', 'config.yaml') });
    assert.equal(data.configFiles, [{ layer: 'user', path: join(xdg, 'nook', 'config.yaml') }, { layer: 'project', path: file }]);
  } finally {
    rmSync(join(xdg, 'nook', 'config.yaml'));
  }
});

test('nook.config.js and nook.config.mjs are never executed, only named', async () => {
  for (const [name, code] of [
    ['nook.config.js', (m: string) => `require('node:fs').writeFileSync(${JSON.stringify(m)}, 'ran'); module.exports = {};\n`],
    ['nook.config.mjs', (m: string) => `import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(m)}, 'ran'); export default {};\n`],
  ] as const) {
    const marker = join(work, `ran-${name}`);
    const dir = project({ [name]: code(marker) });
    const r = await inDir(dir, ['info']);
    assert.not.ok(existsSync(marker), `${name} was executed`);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stderr, `nook: notice: ignoring ${dir}/${name}: nook never runs config code; write it as YAML or JSON\n`);
  }
});

test('a project file written by another user into a sticky directory, or writable by others, is refused', async () => {
  // /tmp-style: a sticky directory anyone may write to
  const dir = project({}, 0o1777);
  // the other user: a subordinate uid, through a container with the directory bound on /mnt
  const made = await nook(['run', '--rm', '--network', 'none', '-u', '1000:1000', '--cap-drop', 'ALL', '-v', `${dir}:/mnt`, 'host',
    'sh', '-c', 'printf "profile: unconfined\\n" > /mnt/.nookrc && chmod 644 /mnt/.nookrc']);
  assert.is(made.code, 0, made.stderr);
  refusedInOneLine(await inDir(dir, seccompLine), new RegExp(`^nook: config ${dir}/\\.nookrc: refused: it is owned by uid \\d+, not by you \\(uid ${process.getuid!()}\\) or root`), 'foreign file');
  rmSync(join(dir, '.nookrc'));

  // the user's own, but anyone may rewrite it
  const open = project({ '.nookrc': 'logs: {maxFiles: 5}\n' });
  chmodSync(join(open, '.nookrc'), 0o666);
  refusedInOneLine(await inDir(open, seccompLine), new RegExp(`^nook: config ${open}/\\.nookrc: refused: it is writable by others \\(mode 666\\)`), 'mode 666');
});

test('group-writable is fine when the group is the user\'s private one (umask 002), refused when it is shared', async () => {
  const dir = project({ '.nookrc': 'logs: {maxFiles: 5}\n' }, 0o775);
  chmodSync(join(dir, '.nookrc'), 0o664);
  const gid = process.getgid!();
  const r = await inDir(dir, ['info']);
  // the test user's group, as test/setup makes it, holds only the test user
  assert.is(r.code, 0, `gid ${gid}: ${r.stderr}`);
  assert.match(r.stderr, /using config .*\.nookrc \(project\)/);
  // a group not shown to hold only the user: a subordinate gid, given from a container
  const made = await nook(['run', '--rm', '--network', 'none', '-v', `${dir}:/mnt`, 'host', 'chgrp', '1000', '/mnt/.nookrc']);
  assert.is(made.code, 0, made.stderr);
  refusedInOneLine(await inDir(dir, seccompLine), new RegExp(`^nook: config ${dir}/\\.nookrc: refused: it is writable by its group \\(mode 664\\)`), 'a subordinate group');
});

test.run();
