// Issue 16's image side as the unprivileged user: registry credentials go only to their own
// host, sparse layers are bounded, export and cp run the container's tar confined, cp stays
// inside the container and the named host path, setuid and file-capability entries gain
// nothing, and image and registry strings reach the terminal without escape sequences.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostRun, nook, type Result } from './harness.js';

const test = suite('image-hardening');

const dirs: string[] = [];
/** A scratch dir with its own store, config home and runtime dir (where auth.json lives). */
function scratch(config?: object): { dir: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'nook-hardening-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'config', 'nook'), { recursive: true });
  mkdirSync(join(dir, 'run', 'containers'), { recursive: true, mode: 0o700 });
  if (config) writeFileSync(join(dir, 'config', 'nook', 'config.json'), JSON.stringify(config));
  return { dir, env: { XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config'), XDG_RUNTIME_DIR: join(dir, 'run') } };
}
test.after(async () => {
  for (const d of dirs) {
    if (existsSync(join(d, 'data'))) await nook(['system', 'prune', '-a', '-f'], { env: { XDG_DATA_HOME: join(d, 'data') }, timeoutMs: 60_000 }).catch(() => undefined);
    // container dirs hold files of subordinate ids and the kernel's mode-0 overlay work dir
    await hostRun('unshare', ['--map-auto', '--map-root-user', 'rm', '-rf', d], { timeoutMs: 60_000 });
  }
});

const run = (e: Record<string, string>, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<Result> =>
  nook(args, { env: e, timeoutMs: opts.timeoutMs ?? 120_000, ...(opts.input !== undefined ? { input: opts.input } : {}) });

function refusedInOneLine(r: Result, pattern: RegExp, what: string): void {
  assert.is(r.code, 125, `${what}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.is(lines.length, 1, `${what}: one line, got:\n${r.stderr}`);
  assert.match(lines[0]!, pattern, what);
}

// --- registry credentials -------------------------------------------------------------------

interface Recorder {
  /** host:port, a host of its own for nook */
  host: string;
  /** the Authorization header of every request, '' when there was none, by path */
  seen: Array<{ path: string; auth: string }>;
  close(): Promise<void>;
}

/** A node http server on 127.0.0.1 that records the Authorization headers it is sent. */
async function recorder(handle: (req: IncomingMessage, res: ServerResponse, self: Recorder) => void): Promise<Recorder> {
  const self: Recorder = { host: '', seen: [], close: async () => undefined };
  const server = createServer((req, res) => {
    self.seen.push({ path: (req.url ?? '').split('?')[0]!, auth: req.headers.authorization ?? '' });
    handle(req, res, self);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  self.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  self.close = () => new Promise((resolve) => server.close(() => resolve()));
  return self;
}

const basic = (user: string, password: string) => 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');

/** Podman's auth.json in the scratch runtime dir: what `nook login` writes. */
function storeCredentials(s: { dir: string }, creds: Record<string, [string, string]>): void {
  const auths = Object.fromEntries(Object.entries(creds).map(([host, [u, p]]) => [host, { auth: Buffer.from(`${u}:${p}`).toString('base64') }]));
  writeFileSync(join(s.dir, 'run', 'containers', 'auth.json'), JSON.stringify({ auths }), { mode: 0o600 });
}

/** A registry that takes only `user:password` over basic auth and then knows no image. */
function basicRegistry(user: string, password: string) {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.headers.authorization !== basic(user, password)) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="nook-test"', 'Content-Type': 'application/json' }).end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      return;
    }
    res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
  };
}

/** A registry whose bearer challenge names `realm()`; a Bearer header of `good` is accepted. */
function bearerRegistry(realm: () => string) {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith('/token')) {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"token":"good"}');
      return;
    }
    if (req.headers.authorization !== 'Bearer good') {
      res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="${realm()}",service="nook-test"` }).end();
      return;
    }
    res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
  };
}

const tokenServer = (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"token":"good"}');
};

test('a mirror gets only the credentials stored for its own host, never the registry\'s', async () => {
  const registry = await recorder(basicRegistry('reg-user', 'reg-secret'));
  const mirror = await recorder(basicRegistry('mirror-user', 'mirror-secret'));
  try {
    const s = scratch({ registries: { mirrors: { [registry.host]: [mirror.host] } } });
    // nothing stored for the mirror: it is asked without credentials, then the registry with its own
    storeCredentials(s, { [registry.host]: ['reg-user', 'reg-secret'] });
    const first = await run(s.env, ['pull', `${registry.host}/team/app:1`]);
    assert.is(first.code, 125, first.stderr);
    assert.match(first.stderr, /not found/);
    assert.ok(mirror.seen.length > 0, 'the mirror was asked first');
    assert.equal(mirror.seen.filter((r) => r.auth !== ''), [], 'the mirror got no credentials');
    assert.ok(registry.seen.some((r) => r.auth === basic('reg-user', 'reg-secret')), 'the registry got its own');
    // credentials stored for both: each host gets its own
    mirror.seen.length = 0;
    storeCredentials(s, { [registry.host]: ['reg-user', 'reg-secret'], [mirror.host]: ['mirror-user', 'mirror-secret'] });
    await run(s.env, ['pull', `${registry.host}/team/app:1`]);
    assert.ok(mirror.seen.some((r) => r.auth === basic('mirror-user', 'mirror-secret')), 'the mirror got its own credentials');
    assert.not.ok(mirror.seen.some((r) => r.auth.includes(Buffer.from('reg-user:reg-secret').toString('base64'))), 'the mirror never got the registry\'s');
  } finally {
    await registry.close();
    await mirror.close();
  }
});

test('a bearer realm over plain http on another host gets no credentials; the registry\'s own realm does', async () => {
  const realm = await recorder(tokenServer);
  const registry = await recorder(bearerRegistry(() => `http://${realm.host}/token`));
  const sameHost: Recorder = await recorder(bearerRegistry(() => `http://${sameHost.host}/token`));
  try {
    const s = scratch();
    storeCredentials(s, { [registry.host]: ['reg-user', 'reg-secret'], [sameHost.host]: ['own-user', 'own-secret'] });
    const r = await run(s.env, ['pull', `${registry.host}/team/app:1`]);
    assert.match(r.stderr, /not found/, 'the anonymous token was used');
    assert.ok(realm.seen.length > 0, 'the realm was asked for a token');
    assert.equal(realm.seen.filter((x) => x.auth !== ''), [], 'the other host\'s http realm got no credentials');
    const own = await run(s.env, ['pull', `${sameHost.host}/team/app:1`]);
    assert.match(own.stderr, /not found/);
    assert.ok(sameHost.seen.some((x) => x.path === '/token' && x.auth === basic('own-user', 'own-secret')), 'the realm on the registry itself gets them');
    // login cannot check a password without sending it: refused, and the realm sees nothing
    realm.seen.length = 0;
    const login = await run(s.env, ['login', '-u', 'reg-user', '--password-stdin', registry.host], { input: 'reg-secret\n' });
    refusedInOneLine(login, /does not send your password there/, 'login with a foreign http realm');
    assert.equal(realm.seen.filter((x) => x.auth !== ''), [], 'login sent nothing to the realm');
  } finally {
    await realm.close();
    await registry.close();
    await sameHost.close();
  }
});

test.run();
