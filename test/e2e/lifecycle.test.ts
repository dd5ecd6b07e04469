// Issue 5's lifecycle verbs against the real CLI as an unprivileged user, on the built-in
// `host` image: detached containers through ps, inspect, logs, top, stop, kill, restart,
// pause, rename, wait, cp, rm; restart policies; refusals of bad input; two shells at once;
// a supervisor that dies (as in a reboot) reads as exited; nothing is left running.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { leftoverProcesses, nook, processBaseline, sleep, startNook, waitFor, type Result } from './harness.js';

const test = suite('lifecycle');
let baseline = new Set<number>();
const created: string[] = [];
test.before(() => {
  baseline = processBaseline();
});

/** A name unique to this run; its container is removed at the end of the test. */
function name(base: string): string {
  const n = `lc${process.pid}-${base}`;
  created.push(n);
  return n;
}

/** A test whose containers are removed at its end, which must leave no process behind. */
function check(title: string, body: () => Promise<void>): void {
  test(title, async () => {
    try {
      await body();
    } finally {
      const mine = created.splice(0);
      if (mine.length > 0) await nook(['rm', '-f', ...mine]);
    }
    const left = await leftoverProcesses(baseline);
    assert.equal(left.map((p) => `${p.pid} ${p.cmd}`), [], 'processes left running');
  });
}

function ok(r: Result): Result {
  assert.is(r.code, 0, `exit code ${r.code}, stderr: ${r.stderr}`);
  return r;
}

/** Refused cleanly: exit 125 and exactly the one stderr line given, no stack trace. */
function refused(r: Result, line: RegExp): void {
  assert.is(r.code, 125, `exit code ${r.code}, stderr: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.is(lines.length, 1, `one line expected on stderr, got:\n${r.stderr}`);
  assert.match(lines[0]!, line);
}

async function detached(n: string, ...cmd: string[]): Promise<string> {
  const r = ok(await nook(['run', '-d', '--name', n, 'host', ...cmd]));
  const id = r.stdout.trim();
  assert.match(id, /^[0-9a-f]{64}$/);
  return id;
}

const field = async (ref: string, template: string) => ok(await nook(['inspect', '--format', template, ref])).stdout.trim();

/** /proc state letters of the container's processes (R, S, T ...), by the init pid. */
const procState = (pid: number) => /^State:\s+(\w)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];

check('run -d, ps, inspect, top, logs, stop within its timeout, ps -a, rm', async () => {
  const n = name('web');
  const id = await detached(n, 'sh', '-c', 'echo started; exec sleep 100');
  const ps = ok(await nook(['ps'])).stdout.split('\n');
  assert.equal(ps[0]!.split(/\s{2,}/), ['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES']);
  const row = ps.find((l) => l.startsWith(id.slice(0, 12)));
  assert.ok(row, `no row for ${id} in:\n${ps.join('\n')}`);
  assert.match(row!, /^[0-9a-f]{12}\s+host\s+"sh -c echo started;…"\s+(Less than a second|\d+ seconds?) ago\s+Up (Less than a second|\d+ seconds?)\s+lc\d+-web$/);
  assert.ok(ok(await nook(['ps', '-q', '--no-trunc'])).stdout.split('\n').includes(id));
  assert.is(await field(n, '{{.State.Running}}'), 'true');
  assert.is(await field(id.slice(0, 10), '{{.Name}} {{.State.Status}} {{.Config.Image}}'), `/${n} running host`);
  const pid = Number(await field(n, '{{.State.Pid}}'));
  assert.ok(pid > 1);
  const top = ok(await nook(['top', n])).stdout.trim().split('\n');
  assert.match(top[0]!, /PID/);
  assert.is(top.length, 2, top.join('\n'));
  assert.match(top[1]!, /sleep 100/);
  assert.is(await logsOnceWritten(n), 'started\n');
  // sleep as pid 1 ignores SIGTERM: stop must fall back to SIGKILL after -t
  const t0 = Date.now();
  assert.is(ok(await nook(['stop', '-t', '1', n])).stdout, `${n}\n`);
  const took = Date.now() - t0;
  assert.ok(took >= 900 && took < 5000, `stop took ${took} ms`);
  const after = ok(await nook(['ps', '-a', '--filter', `name=${n}`, '--format', '{{.Status}}|{{.State}}'])).stdout.trim();
  assert.match(after, /^Exited \(137\) (Less than a second|\d seconds?) ago\|exited$/);
  assert.is(ok(await nook(['ps', '-q', '--filter', `name=${n}`])).stdout, '');
  assert.is(ok(await nook(['rm', n])).stdout, `${n}\n`);
  refused(await nook(['inspect', n]), new RegExp(`^nook: No such object: ${n}$`));
});

/** `nook logs`, polled until the container has written something. */
async function logsOnceWritten(ref: string): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const out = ok(await nook(['logs', ref])).stdout;
    if (out) return out;
    await sleep(100);
  }
  return '';
}

check('logs: streams kept apart, -t, --tail, -f ends with the container', async () => {
  const n = name('chat');
  await detached(n, 'sh', '-c', 'echo out1; echo err1 >&2; echo out2; sleep 1; echo out3');
  const f = ok(await nook(['logs', '-f', n], { timeoutMs: 15_000 }));
  assert.is(f.stdout, 'out1\nout2\nout3\n');
  assert.is(f.stderr, 'err1\n');
  assert.is(ok(await nook(['logs', '--tail', '1', n])).stdout, 'out3\n');
  const t = ok(await nook(['logs', '-t', n])).stdout.split('\n')[0]!;
  assert.match(t, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z out1$/);
  assert.is(ok(await nook(['logs', '--since', '1h', '--until', '2000-01-01T00:00:00Z', n])).stdout, '');
  assert.is(ok(await nook(['wait', n])).stdout, '0\n');
  refused(await nook(['logs', '--since', 'whenever', n]), /^nook: invalid value for "--since": "whenever"/);
});

check('wait prints the exit code; kill -s; exit codes in ps -a --filter exited=', async () => {
  const a = name('three');
  await detached(a, 'sh', '-c', 'sleep 0.5; exit 3');
  assert.is(ok(await nook(['wait', a])).stdout, '3\n');
  assert.ok(ok(await nook(['ps', '-a', '--filter', 'exited=3', '--format', '{{.Names}}'])).stdout.split('\n').includes(a));
  const b = name('killme');
  await detached(b, 'sleep', '100');
  assert.is(ok(await nook(['kill', '-s', 'SIGKILL', b])).stdout, `${b}\n`);
  assert.is(ok(await nook(['wait', b])).stdout, '137\n');
  refused(await nook(['kill', b]), /^nook: cannot kill container: .*: container [0-9a-f]{64} is not running$/);
});

check('restart policy always: the restart count grows; stop ends it for good', async () => {
  const n = name('d');
  ok(await nook(['run', '-d', '--name', n, '--restart', 'always', 'host', 'date']));
  let restarts = 0;
  for (let i = 0; i < 100 && restarts < 3; i++) {
    await sleep(100);
    restarts = Number(await field(n, '{{.RestartCount}}'));
  }
  assert.ok(restarts >= 3, `restart count ${restarts}`);
  const line = ok(await nook(['ps', '-a', '--filter', `name=${n}`, '--format', '{{.RestartCount}} {{.Status}}'])).stdout.trim();
  assert.match(line, /^\d+ (Up|Restarting \(0\)) /);
  ok(await nook(['stop', n]));
  const n1 = ok(await nook(['logs', n])).stdout.split('\n').length;
  await sleep(800);
  assert.is(ok(await nook(['logs', n])).stdout.split('\n').length, n1, 'restarted after stop');
  assert.is(await field(n, '{{.State.Status}}'), 'exited');
});

check('start -a runs a stopped container again with its output and exit code; attach follows one', async () => {
  const n = name('again');
  await detached(n, 'sh', '-c', 'echo hi; echo oops >&2; exit 4');
  assert.is(ok(await nook(['wait', n])).stdout, '4\n');
  const r = await nook(['start', '-a', n]);
  assert.equal([r.code, r.stdout, r.stderr], [4, 'hi\n', 'oops\n']);
  assert.is(ok(await nook(['logs', n])).stdout, 'hi\nhi\n');
  const m = name('attached');
  await detached(m, 'sh', '-c', 'sleep 1; echo later; exit 5');
  const a = await nook(['attach', m]);
  assert.equal([a.code, a.stdout], [5, 'later\n']);
  refused(await nook(['attach', m]), /^nook: You cannot attach to a stopped container, start it first$/);
});

check('pause stops every process (SIGSTOP), unpause resumes; restart gives a new init', async () => {
  const n = name('p');
  await detached(n, 'sh', '-c', 'sleep 100 & wait');
  const pid = Number(await field(n, '{{.State.Pid}}'));
  ok(await nook(['pause', n]));
  assert.is(await field(n, '{{.State.Status}} {{.State.Paused}}'), 'paused true');
  assert.is(procState(pid), 'T');
  assert.match(ok(await nook(['ps', '--filter', `name=${n}`, '--format', '{{.Status}}'])).stdout, /\(Paused\)/);
  refused(await nook(['pause', n]), /is already paused$/);
  ok(await nook(['unpause', n]));
  assert.is.not(procState(pid), 'T');
  refused(await nook(['unpause', n]), /is not paused$/);
  ok(await nook(['restart', '-t', '1', n]));
  assert.is(await field(n, '{{.State.Running}}'), 'true');
  assert.is.not(Number(await field(n, '{{.State.Pid}}')), pid);
});

check('rename; name conflicts and bad input are one clear line, exit 125', async () => {
  const a = name('a');
  const b = name('b');
  await detached(a, 'sleep', '100');
  await detached(b, 'sleep', '100');
  const renamed = name('a2');
  ok(await nook(['rename', a, renamed]));
  assert.is(await field(renamed, '{{.Name}}'), `/${renamed}`);
  refused(await nook(['inspect', a]), /^nook: No such object: /);
  refused(await nook(['rename', renamed, b]), /^nook: Conflict\. The container name "\/.*" is already in use by container "[0-9a-f]{64}"\./);
  refused(await nook(['rm', b]), new RegExp(`^nook: cannot remove container "/${b}": container is running: stop the container before removing or force remove$`));
  refused(await nook(['kill', '-s', 'NOPE', b]), /^nook: Invalid signal: NOPE/);
  refused(await nook(['stop', 'lc-no-such-container']), /^nook: No such container: lc-no-such-container$/);
  refused(await nook(['ps', '--format', '{{.Nope}}']), /^nook: template: .*can't evaluate field Nope/);
  refused(await nook(['ps', '--format', '{{nope .ID}}']), /^nook: template: .*function "nope" not defined/);
  refused(await nook(['ps', '--filter', 'status=sleepy']), /^nook: invalid filter 'status=sleepy'/);
  // several at once: the good one is done, the bad one reported, exit 125
  const r = await nook(['rm', '-f', b, 'lc-no-such-container']);
  assert.is(r.code, 125);
  assert.is(r.stdout, `${b}\n`);
  assert.match(r.stderr, /^nook: No such container: lc-no-such-container\n$/);
});

check('cp both ways, with a tar stream on stdout and stdin', async () => {
  const n = name('cp');
  await detached(n, 'sleep', '100');
  const dir = mkdtempSync(join(tmpdir(), 'nook-cp-'));
  try {
    mkdirSync(join(dir, 'tree', 'sub'), { recursive: true });
    writeFileSync(join(dir, 'tree', 'sub', 'f'), 'hello\n');
    ok(await nook(['cp', join(dir, 'tree'), `${n}:/tmp/copied`]));
    assert.is(ok(await nook(['exec', n, 'cat', '/tmp/copied/sub/f'])).stdout, 'hello\n');
    assert.is(ok(await nook(['exec', n, 'stat', '-c', '%u', '/tmp/copied/sub/f'])).stdout, '0\n');
    ok(await nook(['exec', n, 'sh', '-c', 'echo inside > /tmp/made-inside']));
    ok(await nook(['cp', `${n}:/tmp/made-inside`, join(dir, 'out.txt')]));
    assert.is(readFileSync(join(dir, 'out.txt'), 'utf8'), 'inside\n');
    ok(await nook(['cp', `${n}:/tmp/copied`, dir]));
    assert.is(readFileSync(join(dir, 'copied', 'sub', 'f'), 'utf8'), 'hello\n');
    const tar = ok(await nook(['cp', `${n}:/tmp/made-inside`, '-']));
    assert.match(tar.stdout, /made-inside/);
    refused(await nook(['cp', `${n}:/no/such/file`, dir]), /^nook: Could not find the file \/no\/such\/file in container /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

check('two shells at once: concurrent stop and rm of the same containers never corrupt them', async () => {
  const names = [name('c1'), name('c2'), name('c3')];
  for (const n of names) await detached(n, 'sleep', '100');
  const [stopRun, rmRun] = await Promise.all([
    nook(['stop', '-t', '1', ...names], { timeoutMs: 30_000 }),
    (async () => {
      await sleep(150);
      return nook(['rm', '-f', ...names], { timeoutMs: 30_000 });
    })(),
  ]);
  // each container was stopped then removed, or removed first (then stop says No such container)
  assert.is(rmRun.code, 0, rmRun.stderr);
  assert.match(stopRun.stderr, /^(nook: No such container: lc\d+-c\d\n)*$/);
  for (const n of names) refused(await nook(['inspect', n]), /No such object/);
  // two renames racing for one name: exactly one wins
  const x = name('x');
  const y = name('y');
  await detached(x, 'sleep', '100');
  await detached(y, 'sleep', '100');
  const target = name('target');
  const results = await Promise.all([nook(['rename', x, target]), nook(['rename', y, target])]);
  assert.equal(results.map((r) => r.code).sort(), [0, 125]);
  assert.match(results.find((r) => r.code === 125)!.stderr, /Conflict/);
  const ids = ok(await nook(['ps', '--filter', `name=^${target}$`, '--format', '{{.Names}}'])).stdout;
  assert.is(ids, `${target}\n`);
});

check('a supervisor that dies (as after a reboot) leaves its container reading as exited', async () => {
  const n = name('lost');
  await detached(n, 'sleep', '100');
  const pid = Number(await field(n, '{{.State.Pid}}'));
  const supervisor = Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  process.kill(supervisor, 'SIGKILL');
  await waitFor('the container to end with its supervisor', () => {
    try {
      readFileSync(`/proc/${pid}/status`);
      return undefined;
    } catch {
      return true;
    }
  });
  assert.is(await field(n, '{{.State.Status}} {{.State.Running}} {{.State.ExitCode}}'), 'exited false 255');
  refused(await nook(['top', n]), /is not running$/);
});

check('volumes: create with labels, ls with filters, inspect, rm, prune', async () => {
  const v = `lc${process.pid}-vol`;
  assert.is(ok(await nook(['volume', 'create', '--label', 'team=a', v])).stdout, `${v}\n`);
  assert.is(ok(await nook(['volume', 'ls', '-q', '--filter', 'label=team=a'])).stdout, `${v}\n`);
  const [info] = JSON.parse(ok(await nook(['volume', 'inspect', v])).stdout) as Array<{ Name: string; Mountpoint: string; Labels: Record<string, string> }>;
  assert.is(info!.Name, v);
  assert.equal(info!.Labels, { team: 'a' });
  assert.match(info!.Mountpoint, new RegExp(`/nook/volumes/${v}/_data$`));
  refused(await nook(['volume', 'create', 'no good']), /includes invalid characters for a local volume name/);
  assert.is(ok(await nook(['volume', 'rm', v])).stdout, `${v}\n`);
  refused(await nook(['volume', 'rm', v]), new RegExp(`^nook: get ${v}: no such volume$`));
  const anon = ok(await nook(['volume', 'create'])).stdout.trim();
  assert.match(ok(await nook(['volume', 'prune', '-f'])).stdout, new RegExp(`Deleted Volumes:\\n(.*\\n)*${anon}\\n`));
});

check('a filter without =, on ps, container prune and volume ls, is the one bad-format error (prune cut its last letter)', async () => {
  for (const args of [['ps', '--filter', 'label'], ['container', 'prune', '-f', '--filter', 'label'], ['volume', 'ls', '--filter', 'label']]) {
    const r = await nook(args);
    assert.is(r.code, 125, `${args.join(' ')}: ${r.stderr}`);
    assert.is(r.stderr, 'nook: bad format of filter (expected name=value): label\n', args.join(' '));
  }
});

check('a run killed with SIGKILL while creating or running holds no name: the next run takes it over, container prune removes the rest', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nook-killed-'));
  const e = { XDG_DATA_HOME: dir };
  const containers = join(dir, 'nook', 'containers');
  try {
    // early kills land in the CLI while it creates (dir, name, record), late ones in the launcher
    for (const [i, delay] of [0, 30, 60, 90, 120, 150, 200, 600].entries()) {
      const n = `killed${i % 2}`;
      const p = startNook(['run', '--rm', '--network', 'none', '--name', n, 'host', 'sleep', '30'], { env: e });
      await sleep(delay + Math.floor(Math.random() * 30));
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // it already ended
      }
      await p.result;
      let again = await nook(['run', '--rm', '--network', 'none', '--name', n, 'host', 'true'], { env: e });
      if (again.code !== 0) {
        // killed after its record, before its launcher: it reads as Created, as a `create`
        // would, and is the user's to remove (README: half there)
        const left = await nook(['ps', '-a', '--filter', `name=^${n}$`, '--format', '{{.Status}}'], { env: e });
        assert.is(left.stdout, 'Created\n', `run after a kill at ${delay} ms: ${again.stderr}`);
        ok(await nook(['rm', n], { env: e }));
        again = await nook(['run', '--rm', '--network', 'none', '--name', n, 'host', 'true'], { env: e });
      }
      assert.is(again.code, 0, `run after a kill at ${delay} ms: ${again.stderr}`);
    }
    // a run killed between its name and its record, made by hand so it is sure to be tried
    const half = 'f'.repeat(64);
    mkdirSync(join(containers, half), { recursive: true });
    writeFileSync(join(containers, half, 'hosts'), '');
    symlinkSync(half, join(dir, 'nook', 'names', 'half'));
    ok(await nook(['run', '--rm', '--network', 'none', '--name', 'half', 'host', 'true'], { env: e }));
    mkdirSync(join(containers, 'e'.repeat(64)));
    ok(await nook(['container', 'prune', '-f'], { env: e }));
    assert.equal(readdirSync(containers), [], 'nothing a killed run made is left');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

check('a --rm record a power cut left empty (--rm state is not fsynced) is an abandoned create: run takes its name, prune removes it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nook-cut-'));
  const e = { XDG_DATA_HOME: dir };
  const containers = join(dir, 'nook', 'containers');
  try {
    ok(await nook(['run', '--rm', '--network', 'none', 'host', 'true'], { env: e }));
    for (const id of ['c'.repeat(64), 'd'.repeat(64)]) {
      mkdirSync(join(containers, id), { recursive: true });
      writeFileSync(join(containers, id, 'hosts'), '');
      writeFileSync(join(containers, id, 'config.json'), '');
    }
    symlinkSync('c'.repeat(64), join(dir, 'nook', 'names', 'cut'));
    ok(await nook(['run', '--rm', '--network', 'none', '--name', 'cut', 'host', 'true'], { env: e }));
    ok(await nook(['container', 'prune', '-f'], { env: e }));
    assert.equal(readdirSync(containers), [], 'nothing a power cut left is kept');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
