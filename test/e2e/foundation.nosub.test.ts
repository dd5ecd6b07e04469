// Run as a user with no /etc/subuid or /etc/subgid entry (test/run.mjs's `nooknosub` pass):
// nook falls back to mapping only the user's own id, and says so in one line.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { leftoverProcesses, nook, processBaseline, subIdRange } from './harness.js';

const test = suite('foundation without subordinate ids');

test('the user really has no subordinate ranges', () => {
  assert.is(subIdRange('/etc/subuid'), undefined);
  assert.is(subIdRange('/etc/subgid'), undefined);
});

test('single-id map: uid_map is `0 <uid> 1`, with a one-line notice', async () => {
  const baseline = processBaseline();
  // read from the host: inside, the map is shown relative to the namespace that counts the
  // container's processes (src/core/limits.ts)
  const r = await nook(['run', '-d', '--rm', '--network', 'none', 'host', 'sleep', '30']);
  assert.is(r.code, 0, `exit code ${r.code}, stderr: ${r.stderr}`);
  const id = r.stdout.trim();
  const pid = (await nook(['inspect', '-f', '{{.State.Pid}}', id])).stdout.trim();
  const map = readFileSync(`/proc/${pid}/uid_map`, 'utf8');
  await nook(['rm', '-f', id]);
  assert.equal(map.trim().split(/\s+/), ['0', String(userInfo().uid), '1']);
  const notice = r.stderr.trim().split('\n');
  assert.is(notice.length, 1, `one notice line expected, got:\n${r.stderr}`);
  assert.match(notice[0], /^nook: .*(subuid|single)/i);
  assert.equal(await leftoverProcesses(baseline), []);
});

test('id -u is still 0 inside', async () => {
  const r = await nook(['run', '--rm', 'host', 'id', '-u']);
  assert.is(r.code, 0, `exit code ${r.code}, stderr: ${r.stderr}`);
  assert.is(r.stdout, '0\n');
});

test.run();
