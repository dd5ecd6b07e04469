// Resource limits planned without a kernel: Docker's units, the defaults and who may lift
// them, the directives per mechanism, and cgroup v2 detection over a fake cgroupfs tree.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { throwsNook } from './assert-nook.js';
import {
  withTmpfsSize, parseBytes, parseCpuShares, parseCpus, parseMemory, parseMemorySwap, parsePidsLimit, pinnedCpus, planLimits, sharesToNice, type LimitsInput,
} from '../../src/core/limits.js';
import { cgroupAccounting, cgroupLimitWrites, chooseMechanism, containerCgroup, detectCgroupV2, sharesToWeight } from '../../src/core/cgroup-v2.js';
import { RLIMITS } from '../../src/core/ulimits.js';
import { allowedCpus, cgroupTreeAt } from '../../src/launcher/limits.js';

const GiB = 1024 ** 3;
const input = (over: Partial<LimitsInput> = {}): LimitsInput => ({
  limits: {},
  defaults: { pids: 4096, fileSize: 16 * GiB, tmpfsSize: GiB },
  ulimitFlags: [],
  configUlimits: [],
  mechanism: 'rlimits',
  allowedCpus: [0, 1, 2, 3],
  seed: 0,
  sharesUserNamespace: false,
  ...over,
});
const rl = (name: string, soft: number, hard = soft) => ({ resource: RLIMITS[name]!, soft, hard });
const rlimitOf = (d: readonly (readonly string[])[], name: string) => d.filter((x) => x[0] === 'rlimit' && x[1] === String(RLIMITS[name]));

test('Docker\'s units: b k m g, binary; the --memory minimum; -1 swap; --cpus within the CPUs', () => {
  assert.is(parseBytes('256m', '--memory'), 256 * 1024 ** 2);
  assert.is(parseBytes('1.5g', '--memory'), 1.5 * GiB);
  assert.is(parseBytes('1024', '--memory'), 1024);
  assert.is(parseBytes('64MB', '--memory'), 64 * 1024 ** 2);
  throwsNook(() => parseBytes('99999999999999999999g', '--memory'), /invalid --memory "99999999999999999999g": more than 8 PiB/);
  throwsNook(() => parseBytes('12q', '--memory'), /invalid --memory "12q"/);
  throwsNook(() => parseMemory('4m'), /the minimum is 6m/);
  assert.is(parseMemorySwap('-1'), -1);
  assert.is(parseCpus('1.5', 2), 1_500_000_000);
  throwsNook(() => parseCpus('3', 2), /only 2 CPUs/);
  throwsNook(() => parseCpus('-1', 2), /invalid --cpus/);
  assert.is(parseCpuShares('0'), 1024);
  throwsNook(() => parseCpuShares('262145'), /invalid --cpu-shares/);
  assert.is(parsePidsLimit('-1'), -1);
  throwsNook(() => parsePidsLimit('many'), /invalid --pids-limit/);
});

test('no flags: every container gets the default process cap (one count for the container) and file-size cap', () => {
  const p = planLimits(input());
  assert.equal(p.directives, [['pids-limit', '4096'], ['rlimit', String(RLIMITS['fsize']), String(16 * GiB), String(16 * GiB)]]);
  assert.is(p.applied.pidsLimit, 4096);
  assert.is(p.applied.mechanism, 'rlimits');
  assert.equal(p.notices, []);
});

test('--pids-limit and an --ulimit flag win over the defaults; -1 and 0 are unlimited', () => {
  assert.equal(planLimits(input({ limits: { pidsLimit: 64 } })).directives[0], ['pids-limit', '64']);
  assert.ok(!planLimits(input({ limits: { pidsLimit: -1 } })).directives.some((d) => d[0] === 'pids-limit'));
  assert.is(planLimits(input({ limits: { pidsLimit: 0 } })).applied.pidsLimit, 0);
  // --ulimit nproc alone: its hard limit caps the container, and the task gets it as given
  const n = planLimits(input({ ulimitFlags: [rl('nproc', 100, 200)] }));
  assert.equal(n.directives[0], ['pids-limit', '200']);
  assert.equal(rlimitOf(n.directives, 'nproc'), [['rlimit', '6', '100', '200']]);
  assert.ok(!planLimits(input({ ulimitFlags: [rl('nproc', -1, -1)] })).directives.some((d) => d[0] === 'pids-limit'));
  // a task limit above the container's cap could not be set: it is lowered to the cap
  assert.equal(rlimitOf(planLimits(input({ limits: { pidsLimit: 64 }, ulimitFlags: [rl('nproc', 1000)] })).directives, 'nproc'), [['rlimit', '6', '64', '64']]);
  assert.equal(rlimitOf(planLimits(input({ ulimitFlags: [rl('fsize', -1)] })).directives, 'fsize'), [['rlimit', '1', '-1', '-1']]);
});

test('the config\'s ulimits (a project may set them) never lift a default', () => {
  const lifted = planLimits(input({ configUlimits: [rl('fsize', -1), rl('nproc', -1)] }));
  assert.equal(rlimitOf(lifted.directives, 'fsize'), [['rlimit', '1', String(16 * GiB), String(16 * GiB)]]);
  assert.equal(lifted.directives[0], ['pids-limit', '4096']);
  assert.equal(rlimitOf(lifted.directives, 'nproc'), [['rlimit', '6', '4096', '4096']]);
  const lowered = planLimits(input({ configUlimits: [rl('fsize', 1000)] }));
  assert.equal(rlimitOf(lowered.directives, 'fsize'), [['rlimit', '1', '1000', '1000']]);
});

test('rlimits: --memory is RLIMIT_AS, --memory-swap a notice, --cpus pins ceil(N) CPUs, --cpu-shares a nice value', () => {
  const p = planLimits(input({ limits: { memory: 256 * 1024 ** 2, memorySwap: -1, nanoCpus: 1_500_000_000, cpuShares: 512 }, seed: 3 }));
  assert.equal(rlimitOf(p.directives, 'as'), [['rlimit', '9', String(256 * 1024 ** 2), String(256 * 1024 ** 2)]]);
  assert.equal(p.directives.find((d) => d[0] === 'cpu-affinity'), ['cpu-affinity', '0,3']);
  assert.equal(p.directives.find((d) => d[0] === 'nice'), ['nice', '3']);
  assert.equal(rlimitOf(p.directives, 'nice'), [['rlimit', '13', '0', '0']]);
  assert.match(p.notices.join('\n'), /--memory-swap is recorded but not enforced/);
  assert.is(p.applied.memorySwap, -1);
  // Docker: --memory alone allows as much swap again
  assert.is(planLimits(input({ limits: { memory: 100 * 1024 ** 2 } })).applied.memorySwap, 200 * 1024 ** 2);
  throwsNook(() => planLimits(input({ limits: { memorySwap: GiB } })), /--memory-swap needs --memory/);
  throwsNook(() => planLimits(input({ limits: { memory: GiB, memorySwap: 1024 ** 2 } })), /below --memory/);
  assert.equal(pinnedCpus(500_000_000, [0, 1], 7), [1]);
  assert.equal(pinnedCpus(8e9, [0, 1], 0), [0, 1]);
  assert.equal([1024, 512, 2, 4096].map(sharesToNice), [0, 3, 19, 0]);
  assert.match(planLimits(input({ limits: { cpuShares: 4096 } })).notices.join('\n'), /nice 0/);
});

test('a tmpfs that names no size gets --memory, else the default; one that names its size keeps it', () => {
  assert.is(planLimits(input()).tmpfsSize, GiB);
  assert.is(planLimits(input({ limits: { memory: 64 * 1024 ** 2 } })).tmpfsSize, 64 * 1024 ** 2);
  assert.is(withTmpfsSize('mode=1777', 1024), 'mode=1777,size=1024');
  assert.is(withTmpfsSize('mode=1777,size=1m', 1024), 'mode=1777,size=1m');
  assert.is(withTmpfsSize('', 1024), 'size=1024');
});

test('--network container: shares the other container\'s user namespace: no namespace of its own to count in', () => {
  const p = planLimits(input({ limits: { pidsLimit: 64 }, sharesUserNamespace: true }));
  assert.ok(!p.directives.some((d) => d[0] === 'pids-limit'));
  assert.match(p.notices.join('\n'), /count against that container/);
});

test('cgroup v2: the limits as files (Docker\'s swap and shares conversions), a cgroup directive, no namespace cap', () => {
  const p = planLimits(input({ mechanism: 'cgroup-v2', cgroup: '/sys/fs/cgroup/u/nook/abc', limits: { memory: 256 * 1024 ** 2, nanoCpus: 1_500_000_000, cpuShares: 512, pidsLimit: 64 } }));
  assert.equal(p.cgroupWrites, [
    { file: 'memory.max', value: String(256 * 1024 ** 2) },
    { file: 'memory.swap.max', value: String(256 * 1024 ** 2) },
    { file: 'pids.max', value: '64' },
    { file: 'cpu.max', value: '150000 100000' },
    { file: 'cpu.weight', value: '20' },
  ]);
  assert.equal(p.directives, [['cgroup', '/sys/fs/cgroup/u/nook/abc'], ['rlimit', '1', String(16 * GiB), String(16 * GiB)]]);
  assert.equal(cgroupLimitWrites({ memory: GiB, memorySwap: -1, nanoCpus: 0, cpuShares: 0, pidsLimit: 0 }),
    [{ file: 'memory.max', value: String(GiB) }, { file: 'memory.swap.max', value: 'max' }, { file: 'pids.max', value: 'max' }]);
  assert.equal([2, 1024, 262144].map(sharesToWeight), [1, 39, 10000]);
  assert.equal(containerCgroup('/sys/fs/cgroup/a', 'f'.repeat(64)), { parent: '/sys/fs/cgroup/a/nook', dir: `/sys/fs/cgroup/a/nook/${'f'.repeat(12)}` });
});

/** A fake cgroupfs: directories with the files named, each file's text. */
function fakeTree(files: Record<string, string>): { root: string; done: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'nook-cgroupfs-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return { root, done: () => rmSync(root, { recursive: true, force: true }) };
}

const USER = 'user.slice/user-1000.slice/user@1000.service';
const SELF = `0::/${USER}/app.slice/term.scope\n`;

test('cgroup v2 detection over a fake tree: the nearest delegated, writable ancestor; else why not', () => {
  const delegated = {
    'cgroup.controllers': 'cpuset cpu io memory pids\n',
    'user.slice/cgroup.subtree_control': 'cpu memory pids\n',
    [`${USER}/cgroup.subtree_control`]: 'cpu io memory pids\n',
    [`${USER}/cgroup.procs`]: '',
    [`${USER}/app.slice/cgroup.subtree_control`]: 'memory pids\n',
    [`${USER}/app.slice/term.scope/cgroup.procs`]: '123\n',
  };
  const t = fakeTree(delegated);
  try {
    // app.slice lacks cpu; user@1000.service hands all three on and is ours
    assert.equal(detectCgroupV2(cgroupTreeAt(t.root), SELF), { usable: true, base: USER });
    assert.equal(chooseMechanism('auto', detectCgroupV2(cgroupTreeAt(t.root), SELF)), { mechanism: 'cgroup-v2', base: USER });
    assert.equal(chooseMechanism('rlimits', detectCgroupV2(cgroupTreeAt(t.root), SELF)).mechanism, 'rlimits');
  } finally {
    t.done();
  }
  // the nearest delegating group's cgroup.procs is not ours (root would write any file, so
  // the tree says so itself): above it is the system's, nothing to use
  const ro = fakeTree(delegated);
  try {
    const disk = cgroupTreeAt(ro.root);
    const found = detectCgroupV2({ read: disk.read, writable: (p) => p !== `${USER}/cgroup.procs` && disk.writable(p) }, SELF);
    assert.match(String((found as { reason?: string }).reason), /no delegated cgroup/);
  } finally {
    ro.done();
  }
  const v1 = fakeTree({ 'memory/tasks': '' });
  try {
    const found = detectCgroupV2(cgroupTreeAt(v1.root), '12:memory:/user.slice\n');
    assert.equal(found, { usable: false, reason: 'no cgroup v2 hierarchy (cgroup v1 or none)' });
    assert.equal(chooseMechanism('auto', found), { mechanism: 'rlimits', reason: found.usable ? '' : found.reason });
    throwsNook(() => chooseMechanism('cgroup-v2', found), /limits.mechanism is cgroup-v2, but no cgroup v2 hierarchy/);
  } finally {
    v1.done();
  }
  const undelegated = fakeTree({ 'cgroup.controllers': 'cpu memory pids\n', [`${USER}/cgroup.subtree_control`]: '', 'user.slice/cgroup.subtree_control': 'memory\n' });
  try {
    assert.match(String((detectCgroupV2(cgroupTreeAt(undelegated.root), SELF) as { reason: string }).reason), /no delegated cgroup with memory, pids, cpu/);
  } finally {
    undelegated.done();
  }
});

test('cgroup v2 accounting: memory.peak, cpu.stat usage_usec, memory.events oom_kill', () => {
  const t = fakeTree({
    'c/memory.peak': '268435456\n',
    'c/cpu.stat': 'usage_usec 1500000\nuser_usec 1400000\nsystem_usec 100000\n',
    'c/memory.events': 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n',
  });
  try {
    assert.equal(cgroupAccounting(cgroupTreeAt(t.root), 'c'), { memoryPeak: 268435456, cpuUsec: 1500000, oomKills: 1 });
    assert.equal(cgroupAccounting(cgroupTreeAt(t.root), 'gone'), { memoryPeak: undefined, cpuUsec: undefined, oomKills: undefined });
  } finally {
    t.done();
  }
});

test('the CPUs we may run on, from Cpus_allowed_list', () => {
  assert.equal(allowedCpus('Name:\tx\nCpus_allowed_list:\t0-2,5\n'), [0, 1, 2, 5]);
  assert.equal(allowedCpus('Cpus_allowed_list:\t3\n'), [3]);
});

test.run();
