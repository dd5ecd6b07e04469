// Issue 10, scope 1, as the unprivileged user: the process cap is exact per container (all its
// uids together, independent of every other container, not liftable from inside), the default
// caps hold without flags, --memory stops a large allocation, a file-size cap stops a disk
// filler. Each bomb's processes carry a marker of their own (a sleep length), so "nothing left
// running" is checked for them alone: other suites may share this user.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nook, processesOf, waitFor, type Result } from './harness.js';

const busybox = (): string => {
  const ref = process.env['NOOK_TEST_BUSYBOX'];
  assert.ok(ref, 'NOOK_TEST_BUSYBOX is not set: run the suites through test/run.mjs');
  return ref!;
};

function ok(r: Result): Result {
  assert.is(r.code, 0, `exit code ${r.code}, stderr: ${r.stderr}`);
  return r;
}

let serial = 0;
/** A sleep length no other process has: the mark of one test's processes. */
const marker = (): string => `${300 + (process.pid % 100)}.${++serial}`;

/** Waits until no process of this user (or its subordinate ids) carries the marker. */
async function noneLeft(mark: string): Promise<void> {
  await waitFor(`the processes marked sleep ${mark} to end`, () => (processesOf().some((p) => p.cmd.includes(mark)) ? undefined : true), 5_000);
}

/** Forks `sleep MARK` 2000 times in a child shell, then counts the container's processes without forking. */
const bomb = (mark: string, times = 2000): string =>
  `sh -c 'for i in $(seq ${times}); do sleep ${mark} & done' 2>/dev/null; n=0; for p in /proc/[0-9]*; do n=$((n+1)); done; echo procs=$n`;

const procs = (r: Result): number => Number(/procs=(\d+)/.exec(r.stdout)?.[1] ?? NaN);

/** A user config dir holding `text` as config.yaml. */
function userConfig(text: string): { env: Record<string, string>; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'nook-limits-'));
  mkdirSync(join(dir, 'nook'));
  writeFileSync(join(dir, 'nook', 'config.yaml'), text);
  return { env: { XDG_CONFIG_HOME: dir }, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('--pids-limit 64: a fork bomb of 2000 starts at most 64 processes, the run ends cleanly, nothing is left', async () => {
  const mark = marker();
  const r = ok(await nook(['run', '--rm', '--network', 'none', '--pids-limit', '64', busybox(), 'sh', '-c', bomb(mark)], { timeoutMs: 60_000 }));
  const n = procs(r);
  // the bomb reached the cap (the shell and its sleepers), and not one process beyond it
  assert.ok(n >= 60 && n <= 64, `processes in the container: ${n}\n${r.stdout}${r.stderr}`);
  await noneLeft(mark);
});

/** Forks sleepers as uid 1, then as uid 0, in one container; prints each count and the total. */
const TWO_UIDS = `
import os, sys, time
mark = float(sys.argv[1])
def fork_all():
    n = 0
    for _ in range(2000):
        try:
            pid = os.fork()
        except OSError:
            return n
        if pid == 0:
            time.sleep(mark)
            os._exit(0)
        n += 1
    return n
r, w = os.pipe()
if os.fork() == 0:
    os.setgid(1); os.setuid(1)
    os.write(w, b'%d' % fork_all())
    time.sleep(mark)
    os._exit(0)
uid1 = int(os.read(r, 32))
uid0 = fork_all()
print('uid1', uid1, 'uid0', uid0, 'procs', len([p for p in os.listdir('/proc') if p.isdigit()]), flush=True)
`;

test('the cap counts every uid of the container together', async () => {
  const mark = marker();
  const r = ok(await nook(['run', '--rm', '--network', 'none', '--pids-limit', '64', 'host', '/usr/bin/python3', '-c', TWO_UIDS, mark], { timeoutMs: 60_000 }));
  const [, uid1, uid0, total] = /uid1 (\d+) uid0 (\d+) procs (\d+)/.exec(r.stdout)!.map(Number);
  assert.ok(uid1! >= 55, `uid 1 forked only ${uid1}: ${r.stdout}`);
  assert.ok(total! <= 64, `uid 1 forked ${uid1}, then uid 0 ${uid0}: ${total} processes in all`);
  await noneLeft(mark);
});

test('two containers\' counts are independent: one at its cap does not stop the other from forking', async () => {
  const markA = marker();
  const markB = marker();
  const out = mkdtempSync(join(tmpdir(), 'nook-limits-out-'));
  chmodSync(out, 0o777);
  const a = ok(await nook(['run', '-d', '--rm', '--network', 'none', '--pids-limit', '20', '-v', `${out}:/out`, busybox(), 'sh', '-c',
    `${bomb(markA)} > /out/a; exec sleep ${markA}`]));
  const id = a.stdout.trim();
  try {
    const full = await waitFor('the first container at its cap', () => {
      const text = (() => { try { return readFileSync(join(out, 'a'), 'utf8'); } catch { return ''; } })();
      return /procs=\d+/.test(text) ? Number(/procs=(\d+)/.exec(text)![1]) : undefined;
    }, 30_000);
    assert.ok(full >= 17 && full <= 20, `first container: ${full} processes`);
    const b = ok(await nook(['run', '--rm', '--network', 'none', '--pids-limit', '20', busybox(), 'sh', '-c', bomb(markB, 10)], { timeoutMs: 60_000 }));
    // its shell and all ten sleepers, while the first one stays full
    assert.is(procs(b), 11, b.stdout + b.stderr);
  } finally {
    await nook(['rm', '-f', id]);
    rmSync(out, { recursive: true, force: true });
  }
  await noneLeft(markA);
  await noneLeft(markB);
});

test('the container\'s root cannot raise the limit: the hard limit is refused, forks stay under the cap', async () => {
  const mark = marker();
  const script = `
import resource as r, os, sys, time
soft, hard = r.getrlimit(r.RLIMIT_NPROC)
print('limit', soft, hard)
try:
    r.setrlimit(r.RLIMIT_NPROC, (hard * 100, hard * 100))
    print('raised')
except (ValueError, OSError) as e:
    print('refused:', e)
# as far as it may: the soft limit up to the hard one
r.setrlimit(r.RLIMIT_NPROC, (hard, hard))
n = 0
for _ in range(200):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(float(sys.argv[1])); os._exit(0)
    n += 1
print('forked', n, flush=True)
`;
  const r = ok(await nook(['run', '--rm', '--network', 'none', '--pids-limit', '30', 'host', '/usr/bin/python3', '-c', script, mark], { timeoutMs: 60_000 }));
  const forked = Number(/forked (\d+)/.exec(r.stdout)![1]);
  assert.ok(forked >= 25 && forked <= 29, r.stdout);
  assert.match(r.stdout, /^limit 30 30$/m);
  assert.match(r.stdout, /^refused: not allowed to raise maximum limit$/m);
  await noneLeft(mark);
});

test('no flag: the default cap holds a fork bomb (limits.pids from the user\'s config), and is 4096 unless set', async () => {
  const cfg = userConfig('limits:\n  pids: 40\n');
  try {
    const mark = marker();
    const r = ok(await nook(['run', '--rm', '--network', 'none', busybox(), 'sh', '-c', bomb(mark)], { env: cfg.env, timeoutMs: 60_000 }));
    const n = procs(r);
    assert.ok(n >= 36 && n <= 40, `processes in the container: ${n}`);
    await noneLeft(mark);
  } finally {
    cfg.done();
  }
  const id = ok(await nook(['create', '--network', 'none', busybox(), 'true'])).stdout.trim();
  try {
    const r = ok(await nook(['inspect', '-f', '{{.HostConfig.PidsLimit}} {{.HostConfig.NookLimitsMechanism}}', id]));
    assert.is(r.stdout.trim(), '4096 rlimits');
  } finally {
    await nook(['rm', id]);
  }
  const info = JSON.parse(ok(await nook(['info', '--format', 'json'])).stdout) as { limits: { mechanism: string; defaultPidsLimit: number } };
  assert.equal([info.limits.mechanism, info.limits.defaultPidsLimit], ['rlimits', 4096]);
});

test('--memory 256m: a 1 GiB allocation fails, 100 MiB succeeds; inspect shows Docker\'s fields', async () => {
  const r = await nook(['run', '--rm', '--network', 'none', '--memory', '256m', 'host', '/usr/bin/python3', '-c',
    'b = bytearray(100 << 20); print("100 MiB", flush=True); c = bytearray(1 << 30); print("1 GiB")']);
  assert.is(r.code, 1, r.stdout + r.stderr);
  assert.is(r.stdout, '100 MiB\n');
  assert.match(r.stderr, /MemoryError/);
  const created = ok(await nook(['create', '--network', 'none', '--memory', '256m', '--memory-swap', '-1', '--cpus', '1', '--cpu-shares', '512', '--pids-limit', '64', '--stop-timeout', '3', 'host', 'true']));
  assert.is(created.stderr, 'nook: notice: --memory-swap is recorded but not enforced without cgroups: swap use cannot be limited by rlimits\n');
  const id = created.stdout.trim();
  try {
    const view = ok(await nook(['inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.NanoCpus}} {{.HostConfig.CpuShares}} {{.HostConfig.PidsLimit}} {{.Config.StopTimeout}}', id]));
    assert.is(view.stdout.trim(), `${256 * 1024 ** 2} -1 1000000000 512 64 3`);
  } finally {
    await nook(['rm', id]);
  }
});

test('--cpus 1 pins the container to one CPU, --cpu-shares 512 is nice 3 for it and its session, and it cannot lower that', async () => {
  const r = ok(await nook(['run', '--rm', '--network', 'none', '--cpus', '1', '--cpu-shares', '512', 'host', 'sh', '-c',
    'grep Cpus_allowed_list /proc/self/status; cut -d" " -f19 /proc/self/stat; cat /proc/self/autogroup; renice -n -3 -p $$ >/dev/null 2>&1 || echo "renice refused"']));
  const [cpus, nice, autogroup, renice] = r.stdout.trim().split('\n');
  assert.match(cpus!, /^Cpus_allowed_list:\s+\d+$/);
  assert.is(nice, '3');
  assert.match(autogroup!, / nice 3$/);
  assert.is(renice, 'renice refused');
});

test('a file-size cap stops a disk filler: the default from config, an --ulimit fsize flag over it', async () => {
  const cfg = userConfig('limits:\n  fileSize: 1048576\n');
  const fill = 'dd if=/dev/zero of=/tmp/fill bs=65536 count=100 2>/dev/null; echo "dd $?"; stat -c %s /tmp/fill';
  try {
    const capped = ok(await nook(['run', '--rm', '--network', 'none', busybox(), 'sh', '-c', fill], { env: cfg.env }));
    // SIGXFSZ ended dd (128 + 25) at exactly the cap
    assert.is(capped.stdout, 'dd 153\n1048576\n');
    const flag = ok(await nook(['run', '--rm', '--network', 'none', '--ulimit', 'fsize=2097152', busybox(), 'sh', '-c', fill], { env: cfg.env }));
    assert.is(flag.stdout, 'dd 153\n2097152\n');
  } finally {
    cfg.done();
  }
});

test('a /tmp filler stops at the tmpfs size: the default from config; a --tmpfs size= of its own wins', async () => {
  const cfg = userConfig('limits:\n  tmpfsSize: 8388608\n');
  const fill = (dir: string) => `dd if=/dev/zero of=${dir}/fill bs=1048576 count=100 2>&1 | grep -o "No space left on device" | head -1; stat -c %s ${dir}/fill`;
  try {
    const host = ok(await nook(['run', '--rm', '--network', 'none', 'host', 'sh', '-c', fill('/tmp')], { env: cfg.env }));
    assert.is(host.stdout, `No space left on device\n${8 * 1024 ** 2}\n`);
    const own = ok(await nook(['run', '--rm', '--network', 'none', '--tmpfs', '/scratch:size=16m', busybox(), 'sh', '-c', fill('/scratch')], { env: cfg.env }));
    assert.is(own.stdout, `No space left on device\n${16 * 1024 ** 2}\n`);
  } finally {
    cfg.done();
  }
});

test('--stop-timeout is what `nook stop` waits before SIGKILL when -t is not given', async () => {
  const mark = marker();
  const id = ok(await nook(['run', '-d', '--rm', '--network', 'none', '--stop-timeout', '1', 'host', 'sh', '-c', `trap "" TERM; sleep ${mark} & wait; sleep ${mark}`])).stdout.trim();
  const started = Date.now();
  ok(await nook(['stop', id]));
  const took = Date.now() - started;
  // the shell ignores SIGTERM: only the SIGKILL after the timeout ends it (the default is 10 s)
  assert.ok(took >= 900 && took < 5_000, `stop took ${took} ms`);
  await noneLeft(mark);
});

test('bad limit values are refused with one line', async () => {
  for (const [flag, value, message] of [
    ['--memory', '12q', /^nook: invalid --memory "12q"/],
    ['--cpus', '999', /^nook: invalid --cpus "999": there are only \d+ CPUs available/],
    ['--pids-limit', 'lots', /^nook: invalid --pids-limit "lots"/],
    ['--memory-swap', '1g', /^nook: --memory-swap needs --memory/],
  ] as const) {
    const r = await nook(['run', '--rm', '--network', 'none', flag, value, 'host', 'true']);
    assert.is(r.code, 125, `${flag} ${value}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});

test.run();
