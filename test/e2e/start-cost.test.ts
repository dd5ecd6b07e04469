// Issue 14's start-up work, held by what the CLI does rather than by the clock (which other
// work on the machine moves): a probe preloaded into nook's Node records, up to its exit or
// up to `run` handing over to the launcher, the built-ins it loaded, its fsyncs, and the
// Intl.DateTimeFormat objects it built and localeCompare calls it made (each costs ICU's
// time zone or collation data, ~20 ms).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nookBin, start } from './harness.js';

const test = suite('start-cost');

const PROBE = `
const fs = require('node:fs');
let fsyncs = 0;
for (const name of ['fsyncSync', 'fdatasyncSync']) {
  const real = fs[name];
  fs[name] = (...args) => { fsyncs++; return real(...args); };
}
let dateFormats = 0;
const RealFormat = Intl.DateTimeFormat;
Intl.DateTimeFormat = function (...args) { dateFormats++; return new RealFormat(...args); };
let collations = 0;
const realCompare = String.prototype.localeCompare;
String.prototype.localeCompare = function (...args) { collations++; return realCompare.apply(this, args); };
const report = () => fs.writeSync(2, 'PROBE ' + JSON.stringify({
  builtins: process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)),
  fsyncs, dateFormats, collations,
}) + '\\n');
process.once('exit', report);
process.once('nook-before-exec', report);
`;

interface Probe { builtins: string[]; fsyncs: number; dateFormats: number; collations: number }

const dir = mkdtempSync(join(tmpdir(), 'nook-start-cost-'));
const probe = join(dir, 'probe.cjs');
writeFileSync(probe, PROBE);
const env = { XDG_CACHE_HOME: join(dir, 'cache') };

async function probed(args: string[]): Promise<Probe> {
  const r = await start(process.execPath, ['-r', probe, nookBin(), ...args], { env }).result;
  assert.is(r.code, 0, `nook ${args.join(' ')}: ${r.stderr}`);
  const line = r.stderr.split('\n').find((l) => l.startsWith('PROBE '));
  assert.ok(line, `no probe report from nook ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(line.slice(6)) as Probe;
}

/** The built-ins a start must not pay for: streams (process.stdout), net and child_process. */
function assertLean(p: Probe, what: string): void {
  for (const heavy of ['stream', 'net', 'child_process']) assert.not.ok(p.builtins.includes(heavy), `${what} loaded node:${heavy}`);
}

test('--version loads no stream, net or child_process', async () => {
  assertLean(await probed(['--version']), '--version');
});

test('run --rm loads none of them before the launcher, fsyncs nothing (its state goes at exit) and keeps a code cache of its own', async () => {
  const args = ['run', '--rm', '--network', 'none', 'host', 'true'];
  // the first one compiles the seccomp profile and caches it (durably)
  assertLean(await probed(args), 'the first run --rm');
  assert.ok(readdirSync(join(dir, 'cache', 'nook', 'code')).some((f) => f.endsWith('-run.bin')), 'a code cache for run');
  const again = await probed(args);
  assertLean(again, 'run --rm');
  assert.is(again.fsyncs, 0, 'fsyncs of run --rm');
});

test('run -d and create --rm still fsync their records; ps of two builds no date format or collator and loads no stream', async () => {
  const names = [`cost${process.pid}a`, `cost${process.pid}b`];
  try {
    for (const name of names) {
      const detached = await probed(['run', '-d', '--name', name, '--network', 'none', 'host', 'sleep', '60']);
      assert.ok(detached.fsyncs > 0, 'a detached container is recorded durably');
    }
    const created = await probed(['create', '--rm', '--name', `${names[0]}c`, '--network', 'none', 'host', 'true']);
    names.push(`${names[0]}c`);
    assert.ok(created.fsyncs > 0, 'create --rm waits for its start: recorded durably');
    const ps = await probed(['ps']);
    assertLean(ps, 'ps');
    assert.is(ps.dateFormats, 0, 'Intl.DateTimeFormat objects built by ps');
    assert.is(ps.collations, 0, 'localeCompare calls of ps (sorting by creation time)');
  } finally {
    await start(process.execPath, [nookBin(), 'rm', '-f', ...names]).result;
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
