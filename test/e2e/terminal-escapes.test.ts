// Issue 16: strings from image files and registries reach the user's terminal without working
// escape sequences (a label of ESC ]0;pwned BEL would retitle the terminal, ESC [2J clear it).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostRun, nook, type Result } from './harness.js';

const test = suite('terminal-escapes');

const HOSTILE = '\x1b]0;pwned\x07\x1b[2J\u009b31m';
const SHOWN = '\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m';
/** What a terminal acts on: ESC, BEL, C1 CSI (and the other controls but tab and newline). */
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

const dir = mkdtempSync(join(tmpdir(), 'nook-escapes-tty-'));
const env = { XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config') };
test.after(async () => {
  await nook(['system', 'prune', '-a', '-f'], { env, timeoutMs: 60_000 }).catch(() => undefined);
  await hostRun('unshare', ['--map-auto', '--map-root-user', 'rm', '-rf', dir], { timeoutMs: 60_000 });
});

const run = (args: string[]): Promise<Result> => nook(args, { env, timeoutMs: 120_000 });

/** Where the first raw control of a result is, or undefined. */
function rawControl(r: Result): string | undefined {
  for (const [stream, text] of [['stdout', r.stdout], ['stderr', r.stderr]] as const) {
    const m = RAW.exec(text);
    if (m) return `a raw \\x${m[0].charCodeAt(0).toString(16)} on ${stream}: ${JSON.stringify(text.slice(Math.max(0, m.index - 40), m.index + 40))}`;
  }
  return undefined;
}

function noRawControls(r: Result, what: string): void {
  const raw = rawControl(r);
  assert.not.ok(raw, `${what}: ${raw}`);
}

/** A docker-archive (what `docker save` writes) of one tiny layer and this config. */
async function dockerArchive(config: object, repoTags: string[]): Promise<string> {
  const { buildTar } = await import('../unit/image-tar-builder.js');
  const layer = buildTar([{ path: 'hello', body: 'hi' }]);
  const sha = (b: Buffer | string) => 'sha256:' + createHash('sha256').update(b).digest('hex');
  const configJson = JSON.stringify({ architecture: 'amd64', os: 'linux', ...config, rootfs: { type: 'layers', diff_ids: [sha(layer)] } });
  const manifest = JSON.stringify([{ Config: 'c.json', RepoTags: repoTags, Layers: ['l.tar'] }]);
  const file = join(dir, `${sha(configJson + repoTags.join()).slice(7, 19)}.tar`);
  writeFileSync(file, buildTar([{ path: 'manifest.json', body: manifest }, { path: 'c.json', body: configJson }, { path: 'l.tar', body: layer }]));
  return file;
}

test('an image whose created, label, history, env and command hold escape sequences: images, history, inspect and ps print them escaped', async () => {
  const file = await dockerArchive({
    created: `2024-01-02T03:04:05Z${HOSTILE}`,
    config: { Labels: { title: HOSTILE }, Env: [`PS1=${HOSTILE}`], Cmd: ['/bin/echo', HOSTILE] },
    history: [{ created_by: `/bin/sh -c #(nop) ${HOSTILE}`, comment: HOSTILE }],
  }, ['evil:latest']);
  const loaded = await run(['load', '-i', file]);
  assert.is(loaded.code, 0, loaded.stderr);
  noRawControls(loaded, 'load');
  const created = await run(['create', '--network', 'none', '--name', 'evil-cmd', 'evil']);
  assert.is(created.code, 0, created.stderr);

  // [arguments, whether the output shows the hostile text itself (escaped)]
  const views: Array<[string[], boolean]> = [
    [['images', '--format', '{{.Repository}} {{.CreatedAt}}'], true],
    [['images', '--format', 'table {{.Repository}}\t{{json .}}'], false],
    [['image', 'history', '--no-trunc', 'evil'], true],
    [['image', 'inspect', '--format', '{{index .Config.Labels "title"}} {{.Config.Env}}', 'evil'], true],
    [['image', 'inspect', 'evil'], false],
    [['ps', '-a', '--no-trunc', '--format', '{{.Command}} {{.Labels}}'], false],
    [['inspect', 'evil-cmd'], false],
    [['inspect', '--format', '{{.Config.Cmd}} {{json .Config.Labels}}', 'evil-cmd'], true],
    [['run', '--dry-run', '--network', 'none', 'evil'], false],
  ];
  const leaks: string[] = [];
  for (const [args, shown] of views) {
    const r = await run(args);
    assert.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    const raw = rawControl(r);
    if (raw) leaks.push(`${args.join(' ')}: ${raw}`);
    else if (shown) assert.ok(r.stdout.includes(SHOWN), `${args.join(' ')} shows the escaped text: ${r.stdout}`);
  }
  assert.equal(leaks, [], leaks.join('\n'));

  // JSON stays JSON, holding the very string
  const [image] = JSON.parse((await run(['image', 'inspect', 'evil'])).stdout) as Array<{ Config: { Labels: Record<string, string> } }>;
  assert.is(image!.Config.Labels['title'], HOSTILE);
  await run(['rm', '-f', 'evil-cmd']);
});

test('an archive whose tag holds escape sequences is refused in one escaped line', async () => {
  const file = await dockerArchive({}, [`evil:${HOSTILE}`]);
  const r = await run(['load', '-i', file]);
  assert.is(r.code, 125, `exit ${r.code}: ${r.stderr}`);
  noRawControls(r, 'load of a hostile tag');
  assert.ok(r.stderr.includes('\\x1b'), r.stderr);
});

test('a registry error message with escape sequences is printed escaped', async () => {
  const server = createServer((_req, res) => {
    res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: `manifest unknown ${HOSTILE}` }] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const r = await run(['pull', `${host}/evil:latest`]);
    assert.is(r.code, 125, `exit ${r.code}: ${r.stderr}`);
    noRawControls(r, 'pull');
    assert.ok(r.stderr.toLowerCase().includes(SHOWN.toLowerCase()), `the message is shown, escaped: ${r.stderr}`);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test.run();
