// The README's profile table is the generator's output (so it cannot drift from the
// profiles), and the comparison under it says what it should.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compactNames, compareAllowed, type Grant } from '../../src/security/seccomp/compare.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));

test('README.md holds exactly what `npm run profile-table` generates', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/profile-table.ts', '--print'], { cwd: repo, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  const readme = readFileSync(`${repo}/README.md`, 'utf8');
  const section = readme.slice(readme.indexOf('<!-- profile-table:start -->'), readme.indexOf('<!-- profile-table:end -->') + '<!-- profile-table:end -->'.length);
  assert.ok(section.length > 100, 'README.md has the section');
  assert.fixture(section, r.stdout.trimEnd(), 'README.md is stale: run npm run profile-table');
  // what the issue asks the table to show
  assert.match(section, /\| `strict` \| Docker's default \| none \| none \(the other: x86 x32\) \|/);
  assert.match(section, /\| `default` \| Docker's default \|[^\n]*\| [^\n]*ptrace[^\n]*socketcall/);
});

test('comparison: whole calls, calls with other arguments, and only names both filters have', () => {
  const all: Grant = { all: true };
  const some = (when: string): Grant => ({ all: false, when });
  const ours = new Map<string, Grant>([['read', all], ['socket', some('a')], ['ioctl', some('b')], ['signal', all]]);
  const theirs = new Map<string, Grant>([['read', all], ['socket', some('c')], ['ioctl', all], ['ptrace', all]]);
  const { more, less } = compareAllowed(ours, theirs, (n) => n !== 'signal');
  assert.equal(more, { whole: [], someArgs: ['socket'] });
  assert.equal(less, { whole: ['ioctl', 'ptrace'], someArgs: ['socket'] });
});

test('names are compacted by 32/64 variants and shared stems, none left out', () => {
  assert.is(compactNames(['io_uring_setup', 'io_uring_enter', 'chown', 'chown32', 'clock_adjtime', 'clock_adjtime64', 'clock_settime', 'mount']),
    'chown{,32} clock_{adjtime{,64},settime} io_uring_{enter,setup} mount');
});

test.run();
