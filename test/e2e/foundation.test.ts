// Issue 2's "must show" list, run against the built CLI as an unprivileged user: identity and
// namespaces on the `host` image, exit codes and signals, a real terminal, no leaked file
// descriptors, clean refusals of bad input, and nothing left running after any of it.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import {
  Terminal, leftoverProcesses, nook, processBaseline, processesOf, startNook, subIdRange, waitFor, type Result,
} from './harness.js';

const test = suite('foundation');
let baseline = new Set<number>();
test.before(() => {
  baseline = processBaseline();
});

/** A test that must also leave no process of the user (or its subordinate ids) behind. */
function check(name: string, body: () => Promise<void>): void {
  test(name, async () => {
    await body();
    const left = await leftoverProcesses(baseline);
    assert.equal(left.map((p) => `${p.pid} ${p.cmd}`), [], 'processes left running');
  });
}

function ok(r: Result): Result {
  assert.is(r.code, 0, `exit code ${r.code}, stderr: ${r.stderr}`);
  return r;
}

/** Refused cleanly: exit 125 and exactly one stderr line starting `nook:`, no stack trace. */
function refused(r: Result): void {
  assert.is(r.code, 125, `exit code ${r.code}, stderr: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.is(lines.length, 1, `one line expected on stderr, got:\n${r.stderr}`);
  assert.ok(lines[0].startsWith('nook:'), `stderr does not start with "nook:": ${r.stderr}`);
  assert.not.match(r.stderr, /^\s+at /m, 'stack trace on stderr');
}

const mapLines = (text: string): string[] => text.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' '));

test('the suite runs without any capability and not as root', () => {
  const status = readFileSync('/proc/self/status', 'utf8');
  assert.is(status.match(/^CapEff:\s+(\w+)/m)?.[1], '0000000000000000');
  assert.is(status.match(/^CapPrm:\s+(\w+)/m)?.[1], '0000000000000000');
  assert.is.not(userInfo().uid, 0);
});

check('run --rm host id -u prints 0', async () => {
  assert.is(ok(await nook(['run', '--rm', 'host', 'id', '-u'])).stdout, '0\n');
});

// Read from the host: inside, the maps are shown relative to the namespace that counts the
// container's processes (--pids-limit, src/core/limits.ts), which sees the ids as they are.
check('uid_map and gid_map: 0 is the user, 1.. the subordinate range', async () => {
  const me = userInfo();
  const id = ok(await nook(['run', '-d', '--rm', '--network', 'none', 'host', 'sleep', '30'])).stdout.trim();
  try {
    const pid = ok(await nook(['inspect', '-f', '{{.State.Pid}}', id])).stdout.trim();
    for (const [file, self, range] of [
      ['uid_map', me.uid, subIdRange('/etc/subuid')],
      ['gid_map', me.gid, subIdRange('/etc/subgid')],
    ] as const) {
      const expected = [`0 ${self} 1`, ...(range ? [`1 ${range.start} ${range.count}`] : [])];
      assert.equal(mapLines(readFileSync(`/proc/${pid}/${file}`, 'utf8')), expected, file);
    }
  } finally {
    await nook(['rm', '-f', id]);
  }
});

check('the command is pid 1', async () => {
  assert.is(ok(await nook(['run', '--rm', 'host', 'sh', '-c', 'echo $$'])).stdout, '1\n');
});

check('the container has its own hostname', async () => {
  const inside = ok(await nook(['run', '--rm', 'host', 'uname', '-n'])).stdout.trim();
  assert.ok(inside.length > 0, 'empty hostname');
  assert.is.not(inside, hostname());
});

check('--network none leaves only lo', async () => {
  const r = ok(await nook(['run', '--rm', '--network', 'none', 'host', 'cat', '/proc/net/dev']));
  const names = r.stdout.trim().split('\n').slice(2).map((l) => l.split(':')[0].trim());
  assert.equal(names, ['lo']);
});

check('a file written to /tmp in the container is not on the host', async () => {
  const path = `/tmp/nook-e2e-${process.pid}-${Date.now()}`;
  const r = ok(await nook(['run', '--rm', 'host', 'sh', '-c', `echo secret > ${path} && cat ${path}`]));
  assert.is(r.stdout, 'secret\n');
  assert.not.ok(existsSync(path), `${path} appeared on the host`);
});

check('the host image is read-only: touch /x fails', async () => {
  const r = await nook(['run', '--rm', 'host', 'touch', '/x']);
  assert.is(r.code, 1, `exit code ${r.code}, stderr: ${r.stderr}`);
  assert.match(r.stderr, /Read-only file system/);
});

check('exit codes propagate: 0, 3, 126 (not executable), 127 (not found)', async () => {
  assert.is((await nook(['run', '--rm', 'host', 'true'])).code, 0);
  assert.is((await nook(['run', '--rm', 'host', 'sh', '-c', 'exit 3'])).code, 3);
  assert.is((await nook(['run', '--rm', 'host', '/etc/passwd'])).code, 126);
  assert.is((await nook(['run', '--rm', 'host', 'nook-no-such-command'])).code, 127);
});

// The sleeps carry this process's pid so that only this run's sleep is waited for.
const unique = (seconds: number): string => `${seconds}.${process.pid}`;
const running = (cmd: string): true | undefined => (processesOf().some((p) => p.cmd === cmd) ? true : undefined);

check('kill -TERM of the CLI ends the workload: exit 143', async () => {
  const run = startNook(['run', '--rm', '--init', 'host', 'sleep', unique(30)]);
  await waitFor('sleep to run in the container', () => running(`sleep ${unique(30)}`));
  process.kill(run.pid, 'SIGTERM');
  const r = await run.result;
  assert.is(r.signal, null, 'the CLI itself died of the signal instead of reporting the workload\'s status');
  assert.is(r.code, 143, `exit code ${r.code}, stderr: ${r.stderr}`);
});

check('-it under a real terminal: input, Ctrl-C interrupts, exit', async () => {
  const term = Terminal.nook(['run', '--rm', '-it', 'host', 'sh']);
  try {
    await term.waitForScreen(/[#$]$/); // the shell's prompt (tmux drops trailing blanks)
    term.typeLine('echo hi');
    await term.waitForScreen(/^hi$/m);
    term.typeLine(`sleep ${unique(100)}`);
    await waitFor('sleep to run in the container', () => running(`sleep ${unique(100)}`));
    term.press('C-c');
    term.typeLine('echo after-$((40+2))');
    await term.waitForScreen(/^after-42$/m, 5_000);
    term.typeLine('exit');
    assert.is(await term.waitForExit(), 0);
  } finally {
    term.close();
  }
});

check('no file descriptor of the caller reaches the container', async () => {
  const fd = openSync('/etc/hostname', 'r');
  try {
    const r = ok(await nook(['run', '--rm', 'host', 'ls', '/proc/self/fd'], { extraFds: [fd, 'pipe'] }));
    // 0, 1, 2 and the directory ls itself opened to list them.
    assert.equal(r.stdout.trim().split(/\s+/), ['0', '1', '2', '3']);
  } finally {
    closeSync(fd);
  }
});

check('bad input is refused with one line and exit 125', async () => {
  refused(await nook(['run', '--no-such-flag', 'host', 'true']));
  refused(await nook(['run', '--rm', '--rootfs', '/nonexistent/nook-rootfs', 'true']));
  refused(await nook(['run', '--rm', '-u', 'nosuchuser', 'host', 'true']));
  refused(await nook(['run', '--rm', '--name', '../x', 'host', 'true']));
});

test.run();
