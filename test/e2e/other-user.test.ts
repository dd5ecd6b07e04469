// Issue 16: a detached container's supervisor files as another user. The other user is a
// subordinate uid (a container with -u 1000:1000 and no capabilities) that has nook's own
// runtime and data directories bound in, so only the modes nook gives them stand in its way:
// it may not connect to an attach socket, read or replace state, config, logs or locks, or
// create anything beside them. And where those modes are opened, the supervisor itself
// refuses a connection from another uid (SO_PEERCRED).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, readdirSync, statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { nook, waitFor, type Result } from './harness.js';

const test = suite('other-user');

const runtime = join(process.env['XDG_RUNTIME_DIR']!, 'nook');
const xdgData = process.env['XDG_DATA_HOME'];
const data = join(xdgData?.startsWith('/') ? xdgData : join(homedir(), '.local', 'share'), 'nook');
const name = `ou${process.pid}`;

function ok(r: Result, what: string): Result {
  assert.is(r.code, 0, `${what}: exit ${r.code}\n${r.stdout}${r.stderr}`);
  return r;
}

test.after(async () => {
  await nook(['rm', '-f', name]);
});

/** Runs python3 (the host's, through the `host` image) as uid 1000 with nook's dirs at /mnt and /srv. */
function asOtherUser(script: string, args: string[]): Promise<Result> {
  return nook(['run', '--rm', '--network', 'none', '-u', '1000:1000', '--cap-drop', 'ALL',
    '-v', `${runtime}:/mnt`, '-v', `${data}:/srv`, 'host', 'python3', '-c', script, ...args], { timeoutMs: 60_000 });
}
const inside = (p: string) => p.startsWith(runtime) ? '/mnt' + p.slice(runtime.length) : '/srv' + p.slice(data.length);

/** Tries each operation on each path; prints `OP PATH RESULT` with RESULT an errno name or ok. */
const PROBE = `
import errno, os, socket, sys
def attempt(op, path, fn):
    try:
        fn()
        r = 'ok'
    except OSError as e:
        r = errno.errorcode.get(e.errno, str(e.errno))
    print(op, path, r)
kind, paths = sys.argv[1], sys.argv[2:]
for p in paths:
    if kind == 'socket':
        attempt('connect', p, lambda: socket.socket(socket.AF_UNIX).connect(p))
    elif kind == 'dir':
        attempt('list', p, lambda: os.listdir(p))
        attempt('create', p, lambda: os.close(os.open(os.path.join(p, 'intruder'), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)))
        attempt('symlink', p, lambda: os.symlink('/etc/passwd', os.path.join(p, 'intruder-link')))
    else:
        attempt('read', p, lambda: os.close(os.open(p, os.O_RDONLY)))
        attempt('write', p, lambda: os.close(os.open(p, os.O_WRONLY)))
        attempt('unlink', p, lambda: os.unlink(p))
`;

function tree(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return [p, ...(e.isDirectory() ? tree(p) : [])];
  });
}

test('another uid can neither reach the attach socket nor read, replace or add to state, config, logs and locks', async () => {
  const id = ok(await nook(['run', '-d', '-i', '--name', name, '--network', 'none', 'host', 'sh', '-c', 'while read l; do echo "got $l"; done']), 'run').stdout.trim();
  const files = [...tree(runtime), ...tree(join(data, 'containers', id))];
  const byKind = (k: 'socket' | 'dir' | 'file') => files.filter((p) => {
    const st = statSync(p, { throwIfNoEntry: false });
    return k === 'socket' ? st?.isSocket() : k === 'dir' ? st?.isDirectory() : st?.isFile();
  });
  const sockets = byKind('socket');
  assert.ok(sockets.some((p) => p.endsWith(`${id.slice(0, 12)}.sock`)), `the attach socket is among ${files.join(' ')}`);
  assert.ok(byKind('file').some((p) => p.endsWith('.lock')), 'a lock file is among them');
  const dirs = [runtime, data, join(data, 'containers'), join(data, 'names'), ...byKind('dir')];
  const results: string[] = [];
  // the name's link too: replacing it would point the name at another container
  for (const [kind, paths] of [['socket', sockets], ['dir', dirs], ['file', [...byKind('file'), join(data, 'names', name)]]] as const) {
    const r = ok(await asOtherUser(PROBE, [kind, ...paths.map(inside)]), `probe ${kind}`);
    results.push(...r.stdout.trim().split('\n'));
  }
  assert.ok(results.length >= sockets.length + 3 * dirs.length, results.join('\n'));
  const allowed = results.filter((l) => !l.endsWith(' EACCES'));
  assert.equal(allowed, [], `as uid 1000:\n${allowed.join('\n')}`);
});

test('the supervisor drops a connection from another uid even when the socket\'s modes let it in', async () => {
  const id = ok(await nook(['inspect', '--format', '{{.Id}}', name]), 'inspect').stdout.trim();
  const socket = join(runtime, 'attach', `${id.slice(0, 12)}.sock`);
  const modes = [runtime, join(runtime, 'attach'), socket].map((p) => [p, statSync(p).mode & 0o7777] as const);
  try {
    chmodSync(runtime, 0o711);
    chmodSync(join(runtime, 'attach'), 0o711);
    chmodSync(socket, 0o777);
    const intruder = ok(await asOtherUser(`
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
print('connected')
try:
    time.sleep(0.2)
    s.sendall(b'intruder\\n')
    time.sleep(0.5)
except OSError as e:
    print('dropped', e.errno)
`, [inside(socket)]), 'intruder');
    assert.match(intruder.stdout, /^connected$/m, 'the test opened the way: the connection must reach the supervisor');
    // the owner's line after it arrives: the intruder's, sent first, would be in the log before it
    await new Promise<void>((resolve, reject) => {
      const c = createConnection(socket, () => c.end('owner\n', () => resolve()));
      c.on('error', reject);
    });
    const logs = await waitFor('the owner\'s line in the log', async () => {
      const r = await nook(['logs', name]);
      return r.stdout.includes('got owner') ? r.stdout : undefined;
    });
    assert.not.match(logs, /got intruder/, `another uid's input reached the container:\n${logs}`);
  } finally {
    for (const [p, m] of modes) chmodSync(p, m);
  }
});

test.run();
