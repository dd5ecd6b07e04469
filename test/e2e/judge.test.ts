// Issue 10, judge mode: `nook run --limits ... --result FILE` as the unprivileged user. Each
// limit ends the box with the right status in the record and nothing left running; the CPU
// time counts every process (orphans, killed ones) and matches the host's own measurement;
// boxes run side by side without touching each other. Issue 16 scope 2: the strict profile
// and no network by default. The weakened builds these failed on: /work/notes/weakened/judge-*.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { lstatSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostRun, nook, processes, processesOf, sleep, startNook, waitFor, type Result } from './harness.js';

const test = suite('judge');

const work = mkdtempSync(join(tmpdir(), 'nook-judge-'));
test.after(() => rmSync(work, { recursive: true, force: true }));

const PY = '/usr/bin/python3';
/** Burns exactly argv[1] seconds of its own CPU time (utime+stime of this process), then exits. */
const BURN = 'import sys, time; n = float(sys.argv[1]); t = time.process_time(); any(time.process_time() - t >= n for _ in iter(int, 1))';

interface JudgeRecord {
  status: string; message: string; killed: boolean; time: number; 'time-wall': number; 'max-rss': number;
  exitcode: number | null; exitsig: number | null; cpu_time: number; exit_code: number | null; exit_signal: number | null;
  'output-bytes': number; 'output-truncated': boolean; 'sampled-rss-sum': number; 'cg-mem': null; mechanism: string;
  'refused-allocations': number | null;
}

/**
 * What is left of a box's command, found by its unique arguments (other suites of this user
 * may be running beside this one, so "any process of the user" would not do).
 */
async function leftOver(marker: string): Promise<string[]> {
  for (let i = 0; i < 30; i++) {
    const left = processesOf().filter((p) => p.cmd.includes(marker) && !p.cmd.includes('nook')).map((p) => p.cmd);
    if (left.length === 0) return [];
    await sleep(100);
  }
  return processesOf().filter((p) => p.cmd.includes(marker) && !p.cmd.includes('nook')).map((p) => p.cmd);
}

let n = 0;
/** Runs a box in judge mode (of the host image, unless `extra` names another first); returns the CLI's result and the record. */
async function judge(limits: string, command: string[], extra: string[] = [], image = 'host'): Promise<{ r: Result; rec: JudgeRecord; out: string }> {
  const id = n++;
  const result = join(work, `result-${id}.json`);
  const out = join(work, `out-${id}`);
  const r = await nook(['run', '--rm', '--limits', limits, '--result', result, '--stdout', out, ...extra, image, ...command], { timeoutMs: 60_000 });
  let rec: JudgeRecord;
  try {
    rec = JSON.parse(readFileSync(result, 'utf8')) as JudgeRecord;
  } catch (e) {
    throw new Error(`no record (${(e as Error).message}): exit ${r.code}\nstderr: ${r.stderr}`);
  }
  return { r, rec, out };
}

const near = (value: number, target: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(value - target) <= target * tolerance, `${what}: ${value}, expected ${target} ± ${tolerance * 100} %`);

test('time=1 stops a busy loop at 1 s of CPU: TO, the time within 10 %', async () => {
  const { r, rec } = await judge('time=1,wall=10', ['sh', '-c', 'while :; do :; done']);
  assert.is(rec.status, 'TO', JSON.stringify(rec));
  assert.is(rec.killed, true);
  near(rec.time, 1, 0.1, 'CPU time');
  assert.is(r.code, 137);
});

test('wall=1 stops sleep 10: TO, almost no CPU, and nothing is left running', async () => {
  const { rec } = await judge('wall=1', ['sleep', '10.25']);
  assert.is(rec.status, 'TO', JSON.stringify(rec));
  assert.match(rec.message, /wall/);
  assert.ok(rec.time < 0.1, `CPU ${rec.time}`);
  near(rec['time-wall'], 1, 0.2, 'wall time');
  assert.equal(await leftOver('sleep 10.25'), []);
});

test('100 MB of output with output=1M is cut: OL, and at most 1M reaches the file', async () => {
  const { rec, out } = await judge('output=1M,wall=20', ['sh', '-c', 'head -c 100000000 /dev/zero; echo done >&2; sleep 5']);
  assert.is(rec.status, 'OL', JSON.stringify(rec));
  assert.is(rec['output-truncated'], true);
  assert.ok(statSync(out).size <= 1024 * 1024, `${statSync(out).size} bytes written`);
  assert.ok(rec['time-wall'] < 4, `the box ran on for ${rec['time-wall']} s`);
});

test('a RE record (exit 3) and a SG record (kill -SEGV of itself)', async () => {
  const re = await judge('time=2', ['sh', '-c', 'exit 3']);
  assert.equal([re.rec.status, re.rec.exitcode, re.rec.exit_code, re.rec.exitsig, re.rec.message, re.r.code], ['RE', 3, 3, null, 'Exited with error status 3', 3]);
  const sg = await judge('time=2', ['sh', '-c', 'kill -SEGV $$']);
  assert.equal([sg.rec.status, sg.rec.exitsig, sg.rec.exit_signal, sg.rec.exitcode, sg.rec.message], ['SG', 11, 11, null, 'Caught fatal signal 11 (SIGSEGV)'], JSON.stringify(sg.rec));
  // nook's own failure (nothing to run): XX, every measurement null, the launcher's exit code
  const xx = await judge('time=2', ['/nonexistent']);
  assert.equal([xx.rec.status, xx.rec.time, xx.rec.exitcode, xx.r.code], ['XX', null, null, 127], JSON.stringify(xx.rec));
  assert.match(xx.rec.message, /not found/);
  // an image's overlay root, not only the host's
  const busybox = process.env['NOOK_TEST_BUSYBOX'];
  assert.ok(busybox, 'NOOK_TEST_BUSYBOX is not set: run the suites through test/run.mjs');
  const image = await judge('time=2,wall=5', ['sh', '-c', 'kill -SEGV $$'], [], busybox);
  assert.equal([image.rec.status, image.rec.exitsig], ['SG', 11], JSON.stringify(image.rec));
  const ok = await judge('time=2', ['true']);
  assert.equal([ok.rec.status, ok.rec.exitcode, ok.rec.killed, ok.rec['cg-mem'], ok.rec.mechanism], ['OK', 0, false, null, 'rlimits+supervisor']);
});

test('a process that ignores SIGTERM, and its children, are still killed at the limit', async () => {
  const { rec } = await judge('wall=1', ['sh', '-c', 'sh -c "trap \\"\\" TERM; sleep 30.75 & sleep 30.75 & while :; do :; done" & wait']);
  assert.is(rec.status, 'TO', JSON.stringify(rec));
  assert.ok(rec['time-wall'] < 1.5, `wall ${rec['time-wall']}`);
  assert.equal(await leftOver('sleep 30.75'), []);
});

test('an orphan that burns CPU after its parent exits is counted, also when it is killed at the end', async () => {
  // the middle shell exits at once; its child, reparented to the init, burns 0.5 s, says so,
  // and burns on until the command (the outer shell) ends and the box is cleared
  const orphan = `${PY} -c "${BURN}" 0.5; touch /tmp/burnt; while :; do :; done`;
  const { rec } = await judge('time=5,wall=10', ['sh', '-c', `sh -c '(${orphan}) & exit'; until [ -e /tmp/burnt ]; do sleep 0.05; done`]);
  assert.is(rec.status, 'OK', JSON.stringify(rec));
  assert.ok(rec.time >= 0.5, `CPU ${rec.time}: the orphan's half second is missing`);
});

test('the orphans left when the command ends are killed at once, not waited for', async () => {
  const { rec } = await judge('time=5,wall=10', ['sh', '-c', '(sleep 30.5; echo late) & sleep 0.3']);
  assert.is(rec.status, 'OK', JSON.stringify(rec));
  assert.ok(rec['time-wall'] < 2, `wall ${rec['time-wall']}: the orphan sleeping 30 s was waited for`);
  assert.equal(await leftOver('sleep 30.5'), []);
});

/** The CPU time the host's kernel gives the burner run outside any box (wait4's rusage). */
async function hostBurn(seconds: number): Promise<number> {
  const measure = `import os\npid = os.fork()\nif pid == 0:\n    os.execv(${JSON.stringify(PY)}, ["python3", "-c", ${JSON.stringify(BURN)}, "${seconds}"])\n_, _, ru = os.wait4(pid, 0)\nprint(ru.ru_utime + ru.ru_stime)`;
  const r = await hostRun(PY, ['-c', measure]);
  assert.is(r.code, 0, r.stderr);
  return Number(r.stdout.trim());
}

test('CPU accounting: a burner of 1 s reports the host\'s own measurement of it within 5 %', async () => {
  const truth = await hostBurn(1);
  const { rec } = await judge('time=5,wall=20', [PY, '-c', BURN, '1']);
  assert.is(rec.status, 'OK', JSON.stringify(rec));
  near(rec.time, truth, 0.05, `reported CPU (host: ${truth})`);
});

test('two boxes at once: a fork-bombing, busy one leaves the other\'s CPU time as it is alone', async () => {
  const alone = (await judge('time=5,wall=20', [PY, '-c', BURN, '0.5'])).rec.time;
  const bomb = judge('time=3,wall=4,procs=64', ['sh', '-c', 'f() { f | f & }; f; while :; do :; done']);
  await new Promise((r) => setTimeout(r, 300));
  const beside = (await judge('time=5,wall=20', [PY, '-c', BURN, '0.5'])).rec;
  const b = (await bomb).rec;
  assert.is(b.status, 'TO', JSON.stringify(b));
  assert.is(beside.status, 'OK', JSON.stringify(beside));
  near(beside.time, alone, 0.1, `CPU beside the bomb (alone: ${alone})`);
});

/** The host pid of the command of a box started by `startNook` (CLI > launcher > init > command). */
function commandPid(cli: number): number | undefined {
  const all = processes();
  let pid = cli;
  for (let depth = 0; depth < 3; depth++) {
    const child = all.find((p) => p.ppid === pid);
    if (!child) return undefined;
    pid = child.pid;
  }
  return all.find((p) => p.pid === pid && p.cmd.startsWith('sleep')) ? pid : undefined;
}

test('a box cannot signal or ptrace another box running beside it', async () => {
  const resultB = join(work, 'result-victim.json');
  const victim = startNook(['run', '--rm', '--limits', 'wall=20', '--result', resultB, 'host', 'sleep', '4'], { timeoutMs: 60_000 });
  const target = await waitFor('the victim box', () => commandPid(victim.pid));
  const attack = `import ctypes, os, signal\nlibc = ctypes.CDLL(None, use_errno=True)\nfor name, call in [("kill", lambda: os.kill(${target}, signal.SIGKILL)), ("pidfd", lambda: os.pidfd_open(${target}))]:\n    try:\n        call(); print(name, "reached")\n    except OSError as e:\n        print(name, e.errno)\nr = libc.ptrace(16, ${target}, 0, 0)\nprint("ptrace", "reached" if r == 0 else ctypes.get_errno())\ntry:\n    os.kill(-1, signal.SIGKILL)\nexcept OSError as e:\n    print("kill-all", e.errno)`;
  const a = await judge('wall=10', [PY, '-c', attack]);
  const out = readFileSync(a.out, 'utf8');
  assert.not.match(out, /reached/, out);
  const v = await victim.result;
  const rec = JSON.parse(readFileSync(resultB, 'utf8')) as JudgeRecord;
  assert.equal([rec.status, rec.exitcode, v.code], ['OK', 0, 0], `victim: ${JSON.stringify(rec)}; attacker printed ${out}`);
});

test('mem=256M: memory that grows to the limit ends ML, and so does one allocation of 1 GiB', async () => {
  const grown = (await judge('mem=256M,wall=20', [PY, '-c', 'l = []\nwhile True: l.append(bytearray(8 << 20))'])).rec;
  assert.equal([grown.status, grown['refused-allocations']! > 0], ['ML', true], JSON.stringify(grown));
  assert.ok(grown['max-rss'] <= 256 * 1024, `max-rss ${grown['max-rss']} KiB`);
  const once = (await judge('mem=256M,wall=20', [PY, '-c', 'b = bytearray(1 << 30)'])).rec;
  assert.equal([once.status, once.exitcode, once['refused-allocations']! > 0], ['ML', 1, true], JSON.stringify(once));
  // a program that copes with the refusal is not ML
  const coped = (await judge('mem=256M,wall=20', [PY, '-c', 'try:\n    b = bytearray(1 << 30)\nexcept MemoryError:\n    print("coped")'])).rec;
  assert.is(coped.status, 'OK', JSON.stringify(coped));
});

test('judge mode defaults: no network, the strict profile (no capabilities, no io_uring)', async () => {
  const probe = 'import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\nlibc.syscall.restype = ctypes.c_long\nprint("net", sorted(os.listdir("/sys/class/net")))\nprint([l for l in open("/proc/self/status") if l.startswith("CapEff")][0].strip())\nr = libc.syscall(425, 8, ctypes.create_string_buffer(120))\nprint("io_uring", r, ctypes.get_errno())';
  const { rec, out } = await judge('time=5', [PY, '-c', probe]);
  assert.is(rec.status, 'OK', JSON.stringify(rec));
  const text = readFileSync(out, 'utf8');
  assert.match(text, "net ['lo']");
  assert.match(text, /CapEff:\s+0000000000000000/);
  assert.match(text, 'io_uring -1 38');
  // given explicitly, they are the caller's
  const { out: out2 } = await judge('time=5', [PY, '-c', probe], ['--security-opt', 'seccomp=default']);
  assert.not.match(readFileSync(out2, 'utf8'), /CapEff:\s+0000000000000000/);
});

test('--result: a symlink planted at the name is replaced, never followed; --stdin feeds the box', async () => {
  const victim = join(work, 'victim-file');
  writeFileSync(victim, 'precious\n');
  const result = join(work, 'planted.json');
  symlinkSync(victim, result);
  const input = join(work, 'input');
  writeFileSync(input, 'from the file\n');
  const r = await nook(['run', '--rm', '--result', result, '--stdin', input, 'host', 'cat']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, 'from the file\n');
  assert.is(readFileSync(victim, 'utf8'), 'precious\n');
  assert.ok(lstatSync(result).isFile());
  assert.is((JSON.parse(readFileSync(result, 'utf8')) as JudgeRecord).status, 'OK');
});

test.run();
