// Issue 10 scope 3: `nook serve --stdio` and its Node client (dist/client.mjs, the package's
// `nook/client`), as the unprivileged user: a sequence of runs with the right records, four
// boxes at once with one fork-bombing and the others' results as they are alone, a file
// placed and read, stdin, and hostile request lines answered with errors while the server
// goes on serving. The weakened builds these failed on: /work/notes/weakened/serve-*.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { nook, nookBin, processesOf, sleep, startNook, waitFor } from './harness.js';
import type * as Client from '../../src/client/index.js';

const test = suite('serve');

function busybox(): string {
  const image = process.env['NOOK_TEST_BUSYBOX'];
  assert.ok(image, 'NOOK_TEST_BUSYBOX is not set: run the suites through test/run.mjs');
  return image;
}

// serve never pulls (a pull's progress would go into the protocol): the image is pulled first
test.before(async () => {
  const r = await nook(['pull', busybox()], { timeoutMs: 120_000 });
  assert.is(r.code, 0, r.stderr);
});

/** The client as shipped: the bundle beside the CLI the suite runs, starting that CLI. */
async function open(options: Partial<Client.SandboxOptions> = {}): Promise<Client.Sandbox> {
  const { openSandbox } = (await import(join(dirname(nookBin()), 'client.mjs'))) as typeof Client;
  return openSandbox({ image: busybox(), nook: [process.execPath, nookBin()], ...options });
}

test('a sequence of runs through the client: OK, RE, TO, stdin, and a file placed in /box and read', async () => {
  const s = await open();
  try {
    const ok = await s.run({ cmd: ['sh', '-c', 'echo out; echo err >&2'], limits: { time: 2, wall: 5 } });
    assert.equal([ok.result.status, ok.result.exitcode, ok.stdout, ok.stderr], ['OK', 0, 'out\n', 'err\n'], JSON.stringify(ok));
    const re = await s.run({ cmd: ['sh', '-c', 'exit 3'], limits: { time: 2 } });
    assert.equal([re.result.status, re.result.exitcode, re.result.message], ['RE', 3, 'Exited with error status 3'], JSON.stringify(re.result));
    const to = await s.run({ cmd: ['sh', '-c', 'while :; do :; done'], limits: { time: 0.5, wall: 5 } });
    assert.equal([to.result.status, to.result.killed], ['TO', true], JSON.stringify(to.result));
    assert.ok(to.result.time! >= 0.5 && to.result.time! < 0.6, `CPU ${to.result.time}`);
    const input = await s.run({ cmd: ['sh', '-c', 'tr a-z A-Z'], stdin: 'from the grader\n' });
    assert.equal([input.result.status, input.stdout], ['OK', 'FROM THE GRADER\n']);
    const bytes = Buffer.from([0, 1, 2, 255, 254]);
    const files = await s.run({
      cmd: ['sh', '-c', 'pwd; cat /box/src/main.txt; od -An -tu1 /box/data.bin; cat /box/data.bin'],
      files: { '/box/src/main.txt': 'placed\n', '/box/data.bin': bytes },
    });
    assert.is(files.result.status, "OK", JSON.stringify(files));
    // the raw bytes make the output non-UTF-8: it comes back as bytes, whole
    assert.ok(Buffer.isBuffer(files.stdout), 'a non-UTF-8 output is a Buffer');
    assert.equal(files.stdout.toString('latin1'), Buffer.concat([Buffer.from('/box\nplaced\n   0   1   2 255 254\n'), bytes]).toString('latin1'));
    // the output limit cuts, and the record says so
    const ol = await s.run({ cmd: ['sh', '-c', 'yes'], limits: { output: '64K', wall: 5 } });
    assert.equal([ol.result.status, ol.stdout.length], ['OL', 65536], JSON.stringify(ol.result));
  } finally {
    await s.close();
  }
  // every run's scratch is gone
  const scratch = join(process.env['XDG_RUNTIME_DIR']!, 'nook', 'serve');
  assert.equal(existsSync(scratch) ? readdirSync(scratch) : [], []);
});

test('four boxes at once, one fork-bombing: the other three end as they do alone', async () => {
  const s = await open({ concurrency: 4 });
  try {
    // the same work each time: a count in busybox's shell, a few tenths of a second of CPU
    const work = { cmd: ['sh', '-c', 'i=0; while [ $i -lt 150000 ]; do i=$((i+1)); done; echo burnt'], limits: { time: 5, wall: 20, procs: 16 } };
    const alone = await s.run(work);
    assert.is(alone.result.status, 'OK', JSON.stringify(alone.result));
    const bomb = s.run({ cmd: ['sh', '-c', 'f() { f | f & }; f; while :; do :; done'], limits: { time: 3, wall: 4, procs: 16 } });
    const others = await Promise.all([s.run(work), s.run(work), s.run(work)]);
    const b = await bomb;
    assert.is(b.result.status, 'TO', JSON.stringify(b.result));
    for (const o of others) {
      assert.equal([o.result.status, o.stdout], ['OK', 'burnt\n'], JSON.stringify(o.result));
      // two cores, four boxes: wall time may stretch, CPU time must not
      assert.ok(Math.abs(o.result.time! - alone.result.time!) <= alone.result.time! * 0.15, `CPU ${o.result.time} beside the bomb, ${alone.result.time} alone`);
    }
  } finally {
    await s.close();
  }
});

test('hostile request lines get one error line each, and the server goes on serving', async () => {
  const image = busybox();
  const lines = [
    'not json',
    '[1, 2]',
    '{"id": "u", "op": "format-disk"}',
    '{"id": "l", "op": "run", "image": "IMG", "cmd": ["true"], "limits": {"time": "soon"}}',
    '{"id": "k", "op": "run", "image": "IMG", "cmd": ["true"], "limits": {"cpu": 1}}',
    '{"id": "i", "op": "run", "image": "no-such-image:never", "cmd": ["true"]}',
    '{"id": "p", "op": "run", "image": "IMG", "cmd": ["true"], "files": {"/box/../../escaped": "x"}}',
    '{"id": "q", "op": "run", "image": "IMG", "cmd": ["true"], "files": {"/etc/passwd": "x"}}',
    '{"id": "c", "op": "run", "image": "IMG", "cmd": "true"}',
    // a plan the launcher's encoding refuses (NUL): an error, and no launcher left waiting for
    // it (one kept the server from ending)
    '{"id": "n", "op": "run", "image": "IMG", "cmd": ["true"], "workdir": "/box\\u0000x"}',
    `{"id": "big", "op": "run", "image": "IMG", "cmd": ["${'x'.repeat(1 << 20)}"`,
    '{"id": "ok", "op": "run", "image": "IMG", "cmd": ["echo", "still serving"]}',
  ].map((l) => l.replaceAll('IMG', image));
  const containers = join(process.env['HOME']!, '.local', 'share', 'nook', 'containers');
  const before = existsSync(containers) ? readdirSync(containers) : [];
  const r = await nook(['serve', '--stdio'], { input: lines.join('\n') + '\n', timeoutMs: 30_000 });
  assert.is(r.code, 0, r.stderr);
  const answers = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: unknown; error?: string; stdout?: string; result?: { status: string } });
  const byId = new Map(answers.map((a) => [a.id, a]));
  assert.is(answers.filter((a) => a.id === null).length, 3, r.stdout.slice(0, 2000));
  for (const a of answers.filter((x) => x.id === null)) assert.match(a.error!, /^malformed request/);
  assert.match(byId.get('u')!.error!, /unknown op "format-disk"/);
  assert.match(byId.get('l')!.error!, /time=soon is not a number/);
  assert.match(byId.get('k')!.error!, /unknown key "cpu"/);
  assert.match(byId.get('i')!.error!, /not in the local store/);
  assert.match(byId.get('p')!.error!, /invalid file path/);
  assert.match(byId.get('q')!.error!, /must be inside \/box/);
  assert.match(byId.get('c')!.error!, /cmd must be a non-empty array/);
  assert.match(byId.get('n')!.error!, /NUL/);
  assert.equal([byId.get('ok')!.result!.status, byId.get('ok')!.stdout], ['OK', 'still serving\n']);
  assert.is(answers.length, lines.length, 'one answer a line');
  // no request that failed left a container behind (the boxes that ran were --rm)
  assert.equal(readdirSync(containers).filter((c) => !before.includes(c)), []);
});

test('SIGTERM: each running box gets it, the queued ones are refused, the server ends with nothing left running', async () => {
  const image = busybox();
  const lines = [
    { id: 'long', op: 'run', image, cmd: ['sleep', '30.25'] },
    { id: 'queued', op: 'run', image, cmd: ['true'] },
  ].map((l) => JSON.stringify(l));
  const server = startNook(['serve', '--stdio', '--concurrency', '1'], { input: lines.join('\n') + '\n', timeoutMs: 30_000 });
  await waitFor('the long box', () => processesOf().find((p) => p.cmd === 'sleep 30.25'), 20_000);
  process.kill(server.pid, 'SIGTERM');
  const r = await server.result;
  assert.is(r.code, 0, r.stderr);
  const byId = new Map(r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; error?: string; result?: { status: string; exitsig: number | null } }).map((a) => [a.id, a]));
  assert.equal([byId.get('long')?.result?.status, byId.get('long')?.result?.exitsig], ['SG', 15], r.stdout);
  assert.is(byId.get('queued')?.error, 'the server is stopping');
  await sleep(200);
  assert.equal(processesOf().filter((p) => p.cmd === 'sleep 30.25'), []);
});

test('--socket: a 0600 socket in a directory of the user\'s own serves the client; another uid is refused even when the modes let it in', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nook-serve-'));
  const sock = join(dir, 'serve.sock');
  const server = startNook(['serve', '--socket', sock], { timeoutMs: 45_000 });
  try {
    await waitFor('the socket', () => existsSync(sock) || undefined, 20_000);
    assert.is(statSync(sock).mode & 0o777, 0o600);
    const s = await open({ socket: sock });
    const r = await s.run({ cmd: ['echo', 'over the socket'] });
    assert.equal([r.result.status, r.stdout], ['OK', 'over the socket\n']);
    await s.close();
    // opened by mistake: the peer's uid is still checked. The other user is a subordinate uid
    // (a container's uid 1000, no capabilities) with the directory bound in.
    chmodSync(dir, 0o755);
    chmodSync(sock, 0o666);
    const request = JSON.stringify({ id: 1, op: 'run', image: busybox(), cmd: ['echo', 'let in'] });
    const script = `import socket\ns = socket.socket(socket.AF_UNIX)\ns.connect("/mnt/serve.sock")\ns.sendall(${JSON.stringify(request + '\n')}.encode())\ns.shutdown(socket.SHUT_WR)\nprint(s.makefile().read())`;
    const other = await nook(['run', '--rm', '--network', 'none', '-u', '1000:1000', '--cap-drop', 'ALL', '-v', `${dir}:/mnt`, 'host', 'python3', '-c', script], { timeoutMs: 60_000 });
    assert.is(other.code, 0, other.stderr);
    assert.match(other.stdout, /refused: the peer's uid \d+ is not this server's/, other.stdout);
    assert.not.match(other.stdout, /let in|"result"/);
    // a client still connected does not keep the server from ending
    const idle = createConnection(sock);
    idle.on('error', () => undefined);
    await new Promise((r) => idle.once('connect', r));
  } finally {
    process.kill(server.pid, 'SIGTERM');
    const end = await server.result;
    rmSync(dir, { recursive: true, force: true });
    assert.is(end.code, 0, end.stderr);
  }
  assert.not.ok(existsSync(sock), 'the socket is removed at the end');
  // a directory others may enter is refused
  const open_ = await nook(['serve', '--socket', join(tmpdir(), `nook-serve-${process.pid}.sock`)]);
  assert.is(open_.code, 125);
  assert.match(open_.stderr, /refusing to serve in \/tmp: it must be a directory of yours that nobody else can enter/);
});

test.run();
