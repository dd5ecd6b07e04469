// attach: input through the supervisor's attach socket, output from the log, the exit code,
// and the detach keys that leave the container running.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nook, Terminal } from './harness.js';

test('attach to a -di container: our input reaches it, its output and exit code come back', async () => {
  await nook(['rm', '-f', 'attach-pipe']);
  const run = await nook(['run', '-di', '--name', 'attach-pipe', 'host', 'sh']);
  assert.is(run.code, 0, run.stderr);
  try {
    const r = await nook(['attach', 'attach-pipe'], { input: 'echo hello-from-attach\nexit 4\n', timeoutMs: 20_000 });
    assert.is(r.stdout, 'hello-from-attach\n');
    assert.is(r.code, 4);
  } finally {
    await nook(['rm', '-f', 'attach-pipe']);
  }
});

test('attach to a -dit container under a terminal; ctrl-p ctrl-q detaches and it keeps running', async () => {
  await nook(['rm', '-f', 'attach-tty']);
  assert.is((await nook(['run', '-dit', '--name', 'attach-tty', 'host', 'sh'])).code, 0);
  const term = Terminal.nook(['attach', 'attach-tty']);
  try {
    await new Promise((r) => setTimeout(r, 1000));
    term.typeLine('echo typed-$((6*7))');
    await term.waitForScreen(/typed-42/);
    term.press('C-p');
    term.press('C-q');
    assert.is(await term.waitForExit(), 0);
    const ps = await nook(['ps', '--filter', 'name=attach-tty', '--format', '{{.Status}}']);
    assert.match(ps.stdout, /^Up /);
  } finally {
    term.close();
    await nook(['rm', '-f', 'attach-tty']);
  }
});

test('bad detach keys are one clear line', async () => {
  const r = await nook(['attach', '--detach-keys', 'ctrl-', 'nosuchcontainer']);
  assert.is(r.code, 125);
  assert.is(r.stderr.trim().split('\n').length, 1);
});

test.run();
