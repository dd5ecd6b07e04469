// Judge mode's pure half: --limits parsing, the rlimits and directives it becomes, and the
// verdict made of the launcher's raw usage line.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { throwsNook } from './assert-nook.js';
import { failureRecord, judgeDirectives, judgeResources, judgeStatus, parseLimits, resultRecord, type UsageReport } from '../../src/core/judge-plan.js';
import { RLIMITS } from '../../src/core/ulimits.js';
import type { AppliedLimits } from '../../src/core/limits.js';

const usage = (over: Partial<UsageReport> = {}): UsageReport => ({
  exitcode: 0, exitsig: 0, killed: '', utime_us: 100_000, stime_us: 20_000, wall_us: 150_000, maxrss_kb: 2048,
  nvcsw: 3, nivcsw: 4, sampled_cpu_ms: 110, sampled_rss_sum_peak_kb: 3000, sampled_vm_peak_kb: 9000,
  output_bytes: 12, truncated: false, refused_maps: 0, refused_max_bytes: 0, ...over,
});

test('--limits: the fixed keys, seconds, binary sizes and counts', () => {
  assert.equal(parseLimits('time=2,wall=5,extra=0.5,mem=256M,procs=64,fsize=10M,output=1M,stack=64M,files=32'), {
    extra: 0.5, time: 2, wall: 5, mem: 256 * 1024 ** 2, procs: 64, fsize: 10 * 1024 ** 2, output: 1024 ** 2, stack: 64 * 1024 ** 2, files: 32,
  });
  assert.equal(parseLimits(''), { extra: 0 });
  assert.equal(parseLimits('mem=1g,output=512k,fsize=100').mem, 1024 ** 3);
  throwsNook(() => parseLimits('time=fast'), /time=fast is not a number of seconds/);
  throwsNook(() => parseLimits('memory=1M'), /unknown key memory/);
  // the sizes are --memory's (one parser): units up to p, and nothing past 8 PiB, which the
  // launcher would refuse with a line about its directives instead
  assert.is(parseLimits('mem=1T').mem, 1024 ** 4);
  throwsNook(() => parseLimits('mem=12x'), /invalid --limits mem "12x"/);
  throwsNook(() => parseLimits('mem=99999999999999999999G'), /invalid --limits mem "99999999999999999999G": more than 8 PiB/);
  throwsNook(() => parseLimits('procs=0'), /not a positive count/);
  // past these the launcher (or setrlimit) refused them with a line about its own directives
  throwsNook(() => parseLimits('procs=99999999999999999999'), /procs=99999999999999999999 is more than 4194304/);
  throwsNook(() => parseLimits('files=1048577'), /files=1048577 is more than 1048576/);
  throwsNook(() => parseLimits('time=99999999999999999999'), /is more than a year/);
  assert.is(parseLimits('procs=4194304,files=1048576,wall=31536000').procs, 4194304);
  throwsNook(() => parseLimits('time'), /time has no value/);
});

test('limits map in one place: mem and procs to --memory and --pids-limit, the rest to rlimits; RLIMIT_CPU a second past time+extra', () => {
  const { limits, rlimits } = judgeResources(parseLimits('time=2,extra=0.5,mem=256M,procs=64,fsize=10M,stack=64M,files=16'));
  assert.equal(limits, { memory: 256 * 1024 ** 2, pidsLimit: 64 });
  const by = (name: string) => rlimits.find((x) => x.resource === RLIMITS[name]);
  assert.equal(by('cpu'), { resource: RLIMITS['cpu'], soft: 4, hard: 5 });
  assert.equal(by('fsize')?.soft, 10 * 1024 ** 2);
  assert.equal(by('stack')?.soft, 64 * 1024 ** 2);
  assert.equal(by('nofile')?.soft, 16);
  assert.equal(rlimits.length, 4);
  assert.equal(judgeResources({ extra: 0 }), { limits: { memory: undefined, pidsLimit: undefined }, rlimits: [] });
});

test('the launcher kills at time+extra and wall+extra, in ms; output and mem in bytes', () => {
  assert.equal(judgeDirectives(parseLimits('time=1.5,wall=3,extra=0.25,output=1M,mem=1M')), [
    ['usage-report'], ['cpu-limit', '1750'], ['wall-limit', '3250'], ['output-limit', '1048576'], ['rss-limit', '1048576'], ['map-limit', '1048576'],
  ]);
  assert.equal(judgeDirectives({ extra: 0 }), [['usage-report']]);
});

test('the verdict: limits first, then how it ended', () => {
  const l = parseLimits('time=1,wall=2,extra=0.5,mem=100M,output=1k');
  assert.equal(judgeStatus(usage(), l), { status: 'OK', message: '' });
  assert.equal(judgeStatus(usage({ exitcode: 3 }), l), { status: 'RE', message: 'Exited with error status 3' });
  assert.equal(judgeStatus(usage({ exitcode: -1, exitsig: 11 }), l), { status: 'SG', message: 'Caught fatal signal 11 (SIGSEGV)' });
  assert.equal(judgeStatus(usage({ exitsig: 9, killed: 'cpu', utime_us: 1_500_000 }), l).status, 'TO');
  // past the limit but within extra: still TO, as isolate counts it
  assert.equal(judgeStatus(usage({ utime_us: 1_200_000 }), l).status, 'TO');
  assert.equal(judgeStatus(usage({ exitsig: 24 }), l).status, 'TO');
  assert.equal(judgeStatus(usage({ exitsig: 9, killed: 'wall', wall_us: 2_500_000 }), l), { status: 'TO', message: 'Time limit exceeded (wall clock)' });
  assert.equal(judgeStatus(usage({ exitsig: 9, killed: 'output', truncated: true }), l), { status: 'OL', message: 'Output limit exceeded' });
  assert.equal(judgeStatus(usage({ exitsig: 9, killed: 'rss' }), l).status, 'ML');
  // the heuristic: a failure after an address space near the RLIMIT_AS cap
  assert.equal(judgeStatus(usage({ exitcode: 1, sampled_vm_peak_kb: 95 * 1024 }), l).status, 'ML');
  assert.equal(judgeStatus(usage({ exitcode: 1, sampled_vm_peak_kb: 50 * 1024 }), l).status, 'RE');
  assert.equal(judgeStatus(usage({ sampled_vm_peak_kb: 99 * 1024 }), l).status, 'OK');
  assert.equal(judgeStatus(usage({ exitcode: 1, sampled_vm_peak_kb: 99 * 1024 }), { extra: 0 }).status, 'RE');
  // certain: a mapping larger than mem at once was refused, and the box failed
  assert.equal(judgeStatus(usage({ exitcode: 1, refused_maps: 1, refused_max_bytes: 2 ** 30 }), l).status, 'ML');
  assert.equal(judgeStatus(usage({ refused_maps: 1 }), l).status, 'OK');
});

test('the record: isolate\'s and Judge0\'s fields from one measurement, null where there is none', () => {
  const l = parseLimits('time=1');
  const applied: AppliedLimits = { memory: 0, memorySwap: 0, nanoCpus: 0, cpuShares: 0, pidsLimit: 4096, mechanism: 'rlimits' };
  const r = resultRecord(usage({ exitcode: -1, exitsig: 11 }), { judge: l, applied });
  assert.equal([r.time, r['time-wall'], r['max-rss'], r['csw-voluntary'], r['csw-forced'], r.exitcode, r.exitsig], [0.12, 0.15, 2048, 3, 4, null, 11]);
  assert.equal([r.cpu_time, r.wall_time, r.memory, r.exit_code, r.exit_signal], [0.12, 0.15, 2048, null, 11]);
  assert.equal([r['cg-mem'], r['cg-oom-killed'], r.killed, r.mechanism, r.limits, r.applied.pidsLimit], [null, null, false, 'rlimits+supervisor', l, 4096]);
  const x = failureRecord('command not found', { judge: l, applied });
  assert.equal([x.status, x.message, x.time, x.exit_code], ['XX', 'command not found', null, null]);
});

test.run();
