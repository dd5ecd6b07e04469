// Issue 16: what of the caller and of the launcher a container can reach. The caller's
// terminal without -t; the launcher as pid 1 with --init (its fds, environ, root); the joiner
// of `nook exec` and `nook cp` before its execve (the CVE-2016-9962 and CVE-2019-5736 classes).
// Each was seen to fail on the old or a weakened launcher (see the closing note of issue 16).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sleep, Terminal } from './harness.js';

const test = suite('exposure');

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

test.run();
