// Issue 16: what of the caller and of the launcher a container can reach. The caller's
// terminal without -t; the launcher as pid 1 with --init (its fds, environ, root); the joiner
// of `nook exec` and `nook cp` before its execve (the CVE-2016-9962 and CVE-2019-5736 classes).
// Each was seen to fail on the old or a weakened launcher (see the closing note of issue 16).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { nook, sleep, Terminal, waitFor, type Result } from './harness.js';

const test = suite('exposure');

const work = mkdtempSync(join(tmpdir(), 'nook-exposure-'));
test.after(() => rmSync(work, { recursive: true, force: true }));

function ok(r: Result): Result {
  assert.is(r.code, 0, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

function busybox(): string {
  const image = process.env['NOOK_TEST_BUSYBOX'];
  assert.ok(image, 'NOOK_TEST_BUSYBOX is not set: run the suites through test/run.mjs');
  return image!;
}

/** Under a terminal: what each fd is, whether it is a terminal, and what a TIOCSTI does. */
const PROBE_STDIO = String.raw`
import fcntl, os, termios
for fd in (0, 1, 2):
    print("fd%d=%s tty=%s" % (fd, os.readlink("/proc/self/fd/%d" % fd), os.isatty(fd)))
    try:
        fcntl.ioctl(fd, termios.TIOCSTI, b"x")
        print("sti%d=injected" % fd)
    except OSError as e:
        print("sti%d=refused errno %d" % (fd, e.errno))
`;

test('without -t the caller\'s terminal never reaches the container; output, exit code and ^C still do', async () => {
  const term = Terminal.nook(['run', '--rm', '--network', 'none', 'host', 'sh', '-c', `python3 -c '${PROBE_STDIO}'; tty; exit 7`]);
  try {
    assert.is(await term.waitForExit(30_000), 7, term.screen());
    const screen = term.screen();
    for (const fd of [0, 1, 2]) {
      const line = new RegExp(`^fd${fd}=(\\S+) tty=(\\w+)$`, 'm').exec(screen);
      assert.ok(line, `no line for fd ${fd} reached the terminal:\n${screen}`);
      assert.not.match(line![1]!, /^\/dev\/(pts|tty)|^\/\d+$/, `fd ${fd} is the caller's terminal:\n${screen}`);
      assert.is(line![2], 'False', `fd ${fd} is a terminal:\n${screen}`);
      assert.match(screen, new RegExp(`^sti${fd}=refused`, 'm'), `a TIOCSTI on fd ${fd} went through:\n${screen}`);
    }
    assert.match(screen, /^not a tty$/m);
  } finally {
    term.close();
  }

  // -i: typed lines reach the container through the launcher; ^D ends its input
  const interactive = Terminal.nook(['run', '--rm', '-i', '--network', 'none', 'host', 'sh', '-c', 'read line; echo "got:$line"; cat; echo "fd0=$(readlink /proc/self/fd/0)"; exit 3']);
  try {
    await sleep(1000);
    interactive.typeLine('typed-$((6*7))');
    await interactive.waitForScreen(/^got:typed-\$\(\(6\*7\)\)$/m, 20_000);
    interactive.press('C-d');
    assert.is(await interactive.waitForExit(20_000), 3, interactive.screen());
    assert.match(interactive.screen(), /^fd0=pipe:/m);
  } finally {
    interactive.close();
  }

  // ^C in the foreground is the container's SIGINT, as before
  const ctrlC = Terminal.nook(['run', '--rm', '--network', 'none', 'host', 'sh', '-c', 'trap "echo got-int; exit 9" INT; echo ready; while :; do sleep 0.1; done']);
  try {
    await ctrlC.waitForScreen(/^ready$/m, 20_000);
    ctrlC.press('C-c');
    assert.is(await ctrlC.waitForExit(20_000), 9, ctrlC.screen());
    assert.match(ctrlC.screen(), /got-int$/m); // after the terminal's own "^C"
  } finally {
    ctrlC.close();
  }
});

test('-it still gets a terminal of its own', async () => {
  const term = Terminal.nook(['run', '--rm', '-it', '--network', 'none', 'host', 'sh', '-c', 'tty; exit 4']);
  try {
    assert.is(await term.waitForExit(30_000), 4, term.screen());
    assert.match(term.screen(), /^\/dev\/pts\/0\r?$/m);
  } finally {
    term.close();
  }
});

/** From inside: pid 1's fds, its environ and root; every write into its fds. */
const PROBE_INIT = `ls -l /proc/1/fd 2>&1
for f in /proc/1/fd/*; do [ -e "$f" ] && { echo INJECTED-BY-EXEC >> "$f"; } 2>/dev/null && echo "wrote $f"; done
true 2>/dev/null < /proc/1/environ && echo environ-readable
ls /proc/1/root/ >/dev/null 2>&1 && echo root-listable
true`;

for (const privileged of [true, false]) {
  test(`--init${privileged ? ' --privileged' : ''}: pid 1 holds nothing of the launcher's and cannot be inspected`, async () => {
    const box = ok(await nook(['run', '-d', '--init', ...(privileged ? ['--privileged'] : []), '--network', 'none', busybox(), 'sleep', '300'])).stdout.trim();
    try {
      const r = ok(await nook(['exec', box, 'sh', '-c', PROBE_INIT]));
      for (const line of r.stdout.split('\n').filter((l) => / -> /.test(l)))
        assert.match(line, / -> (\/dev\/null|pipe:\[\d+\])$/, `pid 1 holds more than /dev/null and pipes:\n${r.stdout}`);
      assert.not.match(r.stdout, /^wrote /m, `a write through /proc/1/fd went through:\n${r.stdout}`);
      assert.not.match(r.stdout, /environ-readable|root-listable/, r.stdout);
      const logs = await nook(['logs', box]);
      assert.not.match(logs.stdout + logs.stderr, /INJECTED-BY-EXEC/);
      // the verbs that enter or inspect it go through the workload
      ok(await nook(['cp', `${box}:/etc/hostname`, join(work, `hostname-${privileged}`)]));
      assert.match(ok(await nook(['top', box])).stdout, /sleep 300/);
      ok(await nook(['pause', box]));
      ok(await nook(['unpause', box]));
      assert.match(ok(await nook(['stats', '--no-stream', box])).stdout, new RegExp(box.slice(0, 12)));
    } finally {
      await nook(['rm', '-f', box]);
    }
  });
}

/*
 * The watcher stops each new process of its pid namespace the moment it exists (pids are given
 * out in order, so it knows the next one; `kill -STOP` needs no more than the same uid), so a
 * joiner is caught before its execve, not by winning a race. While it is stopped, every way
 * into it is tried: environ, mem (the ptrace-attach check), exe, fd, root. Then it is followed
 * through its execve: its exe opens once it is the command's. That is the CVE-2019-5736 way in:
 * a command whose interpreter is /proc/self/exe makes the kernel run the joiner's own binary
 * inside the container, dumpable; fd 9 keeps the last such binary for the test to name, and an
 * exe opened before the execve is reopened for writing. Busybox sh builtins only: the loop
 * never forks, so it never takes a pid. A joiner that comes and goes while the watcher is off
 * the CPU is missed (and said so); one caught only past its execve (the interpreter, by its
 * cmdline) is the container's own process and proves nothing. Lines: "pid=N comm=C
 * [cmd=[CMDLINE]]: <reached before execve> | <after>".
 */
const WATCHER = String.raw`printf '#!/proc/self/exe\n' > /tmp/evil; chmod 755 /tmp/evil
true & n=$(($! + 1)); wait
: > /tmp/seen
cd /proc
while :; do
  if kill -STOP $n 2>/dev/null; then
    while read -r st 2>/dev/null < /proc/$n/stat; do case "$st" in *") "[Tt]" "*) break;; esac; done
    read -r comm 2>/dev/null < /proc/$n/comm
    res="pid=$n comm=$comm:" after= held=
    if [ "$comm" = nook-run ]; then
      # caught late, past its execve: the interpreter of a #!/proc/self/exe command, the
      # container's own process (its cmdline, NULs dropped, names the script)
      read -r cmd 2>/dev/null < /proc/$n/cmdline; res="pid=$n comm=$comm cmd=[$cmd]:"
      case "$cmd" in /proc/self/exe*) res="pid=$n comm=$comm cmd=[$cmd] past its execve:";; esac
      true 2>/dev/null < /proc/$n/environ && res="$res environ"
      true 2>/dev/null < /proc/$n/mem && res="$res mem"
      { command exec 7< /proc/$n/exe; } 2>/dev/null && res="$res exe" held=1
      set -- /proc/$n/fd/*; [ -e "$1" ] && res="$res fd"
      set -- /proc/$n/root/*; [ -e "$1" ] && res="$res root"
    fi
    kill -CONT $n
    if [ "$comm" = nook-run ]; then
      until { command exec 8< /proc/$n/exe; } 2>/dev/null || [ ! -d /proc/$n ]; do :; done
      if [ -e /proc/self/fd/8 ]; then
        if [ /proc/self/fd/8 -ef /bin/busybox ]; then exec 8<&-; else exec 9<&8 8<&-; after=" interpreter-held"; fi
      fi
      if [ -n "$held" ]; then
        { echo overwritten >> /proc/self/fd/7; } 2>/dev/null && after="$after exe-written"
        exec 7<&-
      fi
    fi
    echo "$res |$after" >> /tmp/seen
    n=$((n + 1))
  else
    # pid n came and went while we were off the CPU: move on once a later one exists
    for p in [0-9]*; do [ "$p" -gt $n ] && { echo "missed $n" >> /tmp/seen; n=$((n + 1)); break; }; done
  fi
done`;

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

test('exec and cp: the joining process cannot be reached from the container before its execve', async () => {
  const launcher = join(dirname(process.env['NOOK_BIN']!), 'nook-run');
  const before = sha256(launcher);
  const box = ok(await nook(['run', '-d', '--privileged', '--network', 'none', busybox(), 'sh', '-c', WATCHER])).stdout.trim();
  try {
    await waitFor('the watcher', async () => ((await nook(['exec', box, 'test', '-e', '/tmp/seen'])).code === 0 ? true : undefined), 20_000);
    for (let i = 0; i < 10; i++) ok(await nook(['exec', box, 'true']));
    ok(await nook(['exec', box, 'sh', '-c', 'echo in-sh']));
    ok(await nook(['cp', `${box}:/etc/hostname`, join(work, 'hostname')]));
    let seen = '';
    for (let i = 0; i < 20 && !/ interpreter-held/.test(seen); i++) {
      await nook(['exec', box, '/tmp/evil']); // our binary, refusing these arguments
      seen = ok(await nook(['exec', box, 'cat', '/tmp/seen'])).stdout;
    }
    assert.match(seen, / interpreter-held/, `the watcher never followed a #!/proc/self/exe command through its execve:\n${seen}`);
    const held = ok(await nook(['exec', box, 'readlink', '/proc/1/fd/9'])).stdout.trim();
    assert.match(held, /^\/memfd:nook-run/, `a #!/proc/self/exe command ran the host's binary inside the container: ${held}`);
    await sleep(500);
    seen = ok(await nook(['exec', box, 'cat', '/tmp/seen'])).stdout;
    const joiners = seen.split('\n').filter((l) => / comm=nook-run /.test(l) && !/ past its execve:/.test(l));
    // the test proves something only if it caught a joiner before its execve (a watcher
    // kept off the CPU for a whole exec misses one: the host is shared)
    assert.ok(joiners.length >= 1, `the watcher caught no joiner before its execve:\n${seen}`);
    for (const line of joiners) assert.match(line, /: \|( interpreter-held)?$/, `the container reached a joining process: ${line}\n${seen}`);
  } finally {
    await nook(['rm', '-f', box]);
  }
  assert.is(sha256(launcher), before, 'the host\'s nook-run was changed');
});

test.run();
