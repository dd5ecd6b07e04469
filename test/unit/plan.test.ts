// The planner without namespaces: flags and facts in, launcher directives out.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { throwsNook } from './assert-nook.js';
import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerCapabilities, planLaunch, idMaps, commandLine, type LaunchPlan, type PlanInput } from '../../src/core/plan.js';
import { recordedProcess, type ContainerConfig } from '../../src/containers/record.js';
import type { Directive } from '../../src/core/directives.js';
import { planExec, type ExecInput } from '../../src/core/exec-plan.js';
import { resolveUser } from '../../src/core/users.js';
import { buildEnv, parseEnvFile, parseEnvEntry } from '../../src/core/env.js';
import { parseMount, parseTmpfs, parseVolume } from '../../src/core/mountspec.js';
import { parseUlimit } from '../../src/core/ulimits.js';
import { validateName } from '../../src/containers/names.js';
import { resolveCapabilities, capabilityMask } from '../../src/security/capabilities.js';
import { readTextInRoot, resolveInRoot } from '../../src/rootfs/read-in-root.js';

const PASSWD = 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\nbob:x:1001:1001::/home/bob:/bin/sh\n';
const GROUP = 'root:x:0:\nstaff:x:50:alice,bob\nalice:x:1000:\nbob:x:1001:\n';

function input(over: Partial<PlanInput> = {}): PlanInput {
  const capabilities = containerCapabilities({ privileged: over.privileged ?? false, capAdd: over.capAdd ?? [], capDrop: [] });
  return {
    capabilities,
    id: 'a'.repeat(64),
    hostname: 'aaaaaaaaaaaa',
    rootfs: { kind: 'host' },
    image: { Cmd: ['sh'] },
    command: [],
    user: resolveUser('0', PASSWD, GROUP),
    identity: { uid: 1000, gid: 1000, subuid: [{ start: 100000, count: 65536 }], subgid: [{ start: 100000, count: 65536 }], newuidmap: '/usr/bin/newuidmap', newgidmap: '/usr/bin/newgidmap' },
    env: { files: [], flags: [] },
    readOnly: false,
    binds: [],
    tmpfs: [],
    network: [['unshare-net']],
    tty: false,
    interactive: false,
    terminalFds: [],
    init: false,
    capAdd: [],
    privileged: false,
    noNewPrivileges: true,
    mask: [],
    unmask: [],
    limits: [],
    tmpfsSize: 1024 ** 3,
    removeOnExit: [],
    lastCap: 40,
    ...over,
  };
}

const find = (plan: { directives: readonly (readonly string[])[] }, name: string) => plan.directives.filter((d) => d[0] === name);

test('id maps: container 0 is the user, 1.. the subordinate ranges in order', () => {
  assert.equal(idMaps(1000, [{ start: 100000, count: 65536 }, { start: 300000, count: 10 }]), [[0, 1000, 1], [1, 100000, 65536], [65537, 300000, 10]]);
  const plan = planLaunch(input());
  assert.equal(find(plan, 'uid-map'), [['uid-map', '0', '1000', '1'], ['uid-map', '1', '100000', '65536']]);
  assert.equal(find(plan, 'uid-map-helper'), [['uid-map-helper', '/usr/bin/newuidmap']]);
  assert.equal(plan.notices, []);
});

test('single-id mode: one id, setgroups denied, a notice, no groups', () => {
  const plan = planLaunch(input({ identity: { ...input().identity, subuid: [], subgid: [] } }));
  assert.equal(find(plan, 'uid-map'), [['uid-map', '0', '1000', '1']]);
  assert.equal(find(plan, 'setgroups-deny').length, 1);
  assert.equal(find(plan, 'groups'), []);
  assert.match(plan.notices[0]!, /single-id mode/);
  throwsNook(() => planLaunch(input({ identity: { ...input().identity, subuid: [], subgid: [] }, user: resolveUser('alice', PASSWD, GROUP) })), /uid 1000 is not mapped/);
});

test('host image: read-only root with private scratch dirs, proc, dev, sys, masks', () => {
  const plan = planLaunch(input());
  const names = plan.directives.map((d) => d[0]);
  assert.ok(names.indexOf('rootfs-bind') < names.indexOf('readonly-root-recursive'));
  assert.ok(names.indexOf('readonly-root-recursive') < names.indexOf('proc'));
  assert.equal(find(plan, 'tmpfs').map((d) => d[1]), ['/tmp', '/var/tmp', '/run', '/home', '/root']);
  // sized: their pages are the machine's memory, which no rlimit counts
  assert.ok(find(plan, 'tmpfs').every((d) => d[2]!.endsWith(`,size=${1024 ** 3}`)), JSON.stringify(find(plan, 'tmpfs')));
  assert.ok(find(plan, 'mask').some((d) => d[1] === '/proc/kcore'));
  assert.ok(find(plan, 'remount-ro').some((d) => d[1] === '/proc/sys'));
  assert.equal(plan.directives.at(-1), ['exec', 'sh']);
  assert.equal(plan.directives[0], ['version', '2']);
  assert.equal(find(plan, 'unshare-net').length, 1);
  assert.equal(find(planLaunch(input({ network: [] })), 'unshare-net').length, 0);
});

test('--read-only image: the root goes read-only after the mounts that may create mount points', () => {
  const plan = planLaunch(input({ rootfs: { kind: 'overlay', lowers: ['/l1'], upper: '/u', work: '/w' }, readOnly: true, binds: [{ source: '/s', target: '/etc/hosts', readonly: false }] }));
  const names = plan.directives.map((d) => d[0]);
  assert.ok(names.indexOf('bind') < names.indexOf('readonly-root'));
  assert.ok(names.indexOf('remount-ro') < names.indexOf('readonly-root'));
  assert.is(names.includes('readonly-root-recursive'), false);
});

test('kernel overlay: volatile only when the upper dir goes with the container (--rm)', () => {
  const overlay = { kind: 'overlay' as const, lowers: ['/l1'], upper: '/c/id/upper', work: '/c/id/work' };
  const rm = planLaunch(input({ rootfs: overlay, removeOnExit: ['/c/id'] })).directives.map((d) => d[0]);
  assert.ok(rm.includes('overlay-volatile'));
  assert.ok(rm.indexOf('overlay-volatile') < rm.indexOf('rootfs-overlay'));
  assert.equal(find(planLaunch(input({ rootfs: overlay })), 'overlay-volatile'), []);
  // a removed dir beside the upper (a prefix of its name, not its parent) keeps the syncs
  assert.equal(find(planLaunch(input({ rootfs: overlay, removeOnExit: ['/c/i'] })), 'overlay-volatile'), []);
});

test('--privileged: every capability, no masks; unmask=ALL lifts masks only', () => {
  const priv = planLaunch(input({ privileged: true }));
  assert.equal(find(priv, 'mask'), []);
  assert.equal(find(priv, 'caps')[0]![1], capabilityMask(resolveCapabilities(['ALL'], [])));
  const unmasked = planLaunch(input({ unmask: ['ALL'] }));
  assert.equal(find(unmasked, 'mask'), []);
  assert.equal(find(unmasked, 'remount-ro'), []);
});

test('capabilities: Docker defaults for root; a non-root user holds only what was added', () => {
  assert.equal(resolveCapabilities([], []).length, 14);
  assert.equal(resolveCapabilities([], ['ALL']), []);
  assert.equal(resolveCapabilities(['NET_ADMIN'], ['ALL']), ['NET_ADMIN']);
  assert.equal(resolveCapabilities(['cap_sys_admin'], ['chown']).includes('SYS_ADMIN'), true);
  const root = find(planLaunch(input()), 'caps')[0]!;
  assert.equal(root.slice(1), [root[1], root[1], root[1], '0', '0']);
  const alice = find(planLaunch(input({ user: resolveUser('alice', PASSWD, GROUP), capAdd: ['NET_BIND_SERVICE'] })), 'caps')[0]!;
  const nbs = capabilityMask(['NET_BIND_SERVICE']);
  assert.equal(alice.slice(2), [nbs, nbs, nbs, nbs]);
  throwsNook(() => resolveCapabilities(['BOGUS'], []), /unknown capability/);
});

test('the plan carries what the record keeps: the process as launched, the added capabilities, the directives less the per-launch seccomp fd', () => {
  const plan = planLaunch(input({
    image: { Cmd: ['sh'], Env: ['A=1'], WorkingDir: '/srv' }, env: { files: [], flags: ['B=2'] }, command: ['echo', 'hi'],
    capAdd: ['NET_ADMIN'], seccompFd: 5,
  }));
  assert.equal(plan.process.argv, find(plan, 'exec')[0]!.slice(1));
  assert.equal(plan.process.env, find(plan, 'env').map((d) => d[1]));
  assert.equal(plan.process.workdir, '/srv');
  assert.equal(find(plan, 'chdir'), [['chdir', '/srv']]);
  assert.equal(plan.process.addedCapabilities, ['NET_ADMIN']);
  assert.equal(find(plan, 'seccomp-fd'), [['seccomp-fd', '5']]);
  assert.equal(plan.recorded, plan.directives.filter((d) => d[0] !== 'seccomp-fd'));
  assert.ok(plan.recorded.length > 0 && plan.recorded.length === plan.directives.length - 1);
});

test('the bounding set is the container\'s set as handed in (what the seccomp program is compiled for), cut at the kernel\'s last capability', () => {
  const plan = planLaunch(input({ capabilities: ['CHOWN', 'SYS_ADMIN'] }));
  assert.equal(plan.process.capabilities, ['CHOWN', 'SYS_ADMIN']);
  assert.equal(find(plan, 'caps')[0]![1], capabilityMask(['CHOWN', 'SYS_ADMIN']));
  assert.equal(planLaunch(input({ capabilities: ['CHOWN', 'CHECKPOINT_RESTORE'], lastCap: 39 })).process.capabilities, ['CHOWN']);
});

test('users: names, uids, groups and supplementary groups from /etc/group', () => {
  assert.equal(resolveUser('alice', PASSWD, GROUP), { uid: 1000, gid: 1000, groups: [1000, 50], home: '/home/alice' });
  assert.equal(resolveUser('1001:50', PASSWD, GROUP), { uid: 1001, gid: 50, groups: [50], home: '/home/bob' });
  assert.equal(resolveUser('4242', PASSWD, GROUP), { uid: 4242, gid: 0, groups: [0], home: '/' });
  assert.equal(resolveUser('bob:staff', PASSWD, GROUP).gid, 50);
  throwsNook(() => resolveUser('nosuchuser', PASSWD, GROUP), /unable to find user nosuchuser/);
  throwsNook(() => resolveUser('alice:nogroup', PASSWD, GROUP), /unable to find group nogroup/);
  throwsNook(() => resolveUser('a:b:c', PASSWD, GROUP), /invalid user/);
});

test('environment: image < env-file < -e, defaults fill the gaps, KEY alone copies', () => {
  const env = buildEnv({ image: ['A=image', 'PATH=/bin'], files: ['A=file', 'B=file'], flags: ['B=flag'], defaults: { PATH: '/x', HOME: '/root' } });
  assert.equal(env, ['A=file', 'PATH=/bin', 'B=flag', 'HOME=/root']);
  // an image's entry without `=` sets nothing (it set FO=FOO)
  assert.equal(buildEnv({ image: ['FOO', 'A=1'], files: [], flags: [], defaults: {} }), ['A=1']);
  assert.equal(parseEnvFile('# c\nX=1\n\nY\nZ=a=b\r\n', 'f', { Y: 'host' }), ['X=1', 'Y=host', 'Z=a=b']);
  assert.is(parseEnvEntry('MISSING', {}), undefined);
  throwsNook(() => parseEnvEntry('=x', {}), /invalid environment variable/);
  const plan = planLaunch(input({ tty: true, env: { files: [], flags: ['FOO=bar'] } }));
  const env2 = find(plan, 'env').map((d) => d[1]);
  assert.ok(env2.includes('FOO=bar') && env2.includes('TERM=xterm') && env2.includes('HOME=/root'));
});

test('volumes and tmpfs: parsed strictly', () => {
  assert.equal(parseVolume('/a:/b:ro'), { source: '/a', target: '/b', readonly: true });
  assert.equal(parseVolume('/a:/b/'), { source: '/a', target: '/b', readonly: false });
  assert.equal(parseVolume('/data'), { volume: undefined, target: '/data', readonly: false });
  assert.equal(parseVolume('cache:/var/cache:ro'), { volume: 'cache', target: '/var/cache', readonly: true });
  throwsNook(() => parseVolume('a:b:c:d'), /invalid volume/);
  throwsNook(() => parseVolume('../x:/y'), /invalid volume name/);
  throwsNook(() => parseVolume('/a:b'), /must be an absolute path/);
  throwsNook(() => parseVolume('/a:/x/../y'), /must not contain/);
  throwsNook(() => parseVolume('/a:/'), /cannot mount over \//);
  throwsNook(() => parseVolume('/a:/b:exec'), /invalid volume option/);
  assert.equal(parseMount('type=bind,src=/a,dst=/b,readonly'), { source: '/a', target: '/b', readonly: true });
  assert.equal(parseMount('type=volume,source=v,target=/b'), { volume: 'v', target: '/b', readonly: false });
  assert.equal(parseMount('type=tmpfs,target=/t,tmpfs-size=1m'), { target: '/t', options: 'mode=1777,size=1m' });
  throwsNook(() => parseMount('type=bind,source=rel,target=/b'), /absolute source/);
  throwsNook(() => parseMount('type=nfs,target=/b'), /type must be/);
  throwsNook(() => parseMount('type=bind,source=/a'), /target is required/);
  throwsNook(() => parseMount('type=bind,source=/a,target=/b,bogus=1'), /unknown field/);
  assert.equal(parseTmpfs('/scratch:size=10m,mode=700'), { target: '/scratch', options: 'mode=700,size=10m' });
  assert.equal(parseTmpfs('/t'), { target: '/t', options: 'mode=1777' });
  throwsNook(() => parseTmpfs('/t:size=lots'), /invalid --tmpfs option/);
  throwsNook(() => parseTmpfs('/t:noexec'), /invalid --tmpfs option/);
});

test('command line: entrypoint and cmd as Docker combines them', () => {
  assert.equal(commandLine({ command: [], image: { Entrypoint: ['/ep'], Cmd: ['x'] } }), ['/ep', 'x']);
  assert.equal(commandLine({ command: ['y'], image: { Entrypoint: ['/ep'], Cmd: ['x'] } }), ['/ep', 'y']);
  assert.equal(commandLine({ command: [], entrypoint: '/other', image: { Entrypoint: ['/ep'], Cmd: ['x'] } }), ['/other']);
  throwsNook(() => commandLine({ command: [], image: {} }), /no command specified/);
});

test('names: hostile names refused', () => {
  assert.is(validateName('web-1.a_b'), 'web-1.a_b');
  assert.is(validateName('/web'), 'web');
  for (const bad of ['../x', 'a/b', '.hidden', '', '-x', 'a b']) throwsNook(() => validateName(bad), /invalid container name/);
});

test('ulimits', () => {
  assert.equal(parseUlimit('nofile=1024:4096'), { resource: 7, soft: 1024, hard: 4096 });
  assert.equal(parseUlimit('core=-1'), { resource: 4, soft: -1, hard: -1 });
  throwsNook(() => parseUlimit('nofile=10:5'), /soft limit above/);
  throwsNook(() => parseUlimit('bogus=1'), /invalid ulimit/);
});

test('files of a root are read as if chrooted: links cannot leave it', () => {
  const root = mkdtempSync(join(tmpdir(), 'nook-root-'));
  const outside = mkdtempSync(join(tmpdir(), 'nook-outside-'));
  writeFileSync(join(outside, 'secret'), 'host secret');
  mkdirSync(join(root, 'etc'));
  writeFileSync(join(root, 'real'), 'inside');
  symlinkSync(join(outside, 'secret'), join(root, 'etc', 'passwd'));
  symlinkSync('../../../../real', join(root, 'etc', 'group'));
  assert.is(readTextInRoot(root, '/etc/passwd'), undefined);
  assert.is(readTextInRoot(root, '/etc/group'), 'inside');
  assert.is(resolveInRoot(root, '/../../etc/x'), join(root, 'etc', 'x'));
});

test('the caller\'s terminal is relayed without -t (stdin with -i), never when detached; pipes pass through', () => {
  const relays = (over: Partial<PlanInput>) => find(planLaunch(input(over)), 'relay').map((d) => d[1]);
  assert.equal(relays({ terminalFds: [0, 1, 2] }), ['1', '2']);
  assert.equal(relays({ terminalFds: [0, 1, 2], interactive: true }), ['0', '1', '2']);
  assert.equal(relays({ terminalFds: [2], interactive: true }), ['2']);
  assert.equal(relays({ terminalFds: [] }), []);
  assert.equal(relays({ terminalFds: [0, 1, 2], interactive: true, tty: true }), []);
  const supervisor = { attachSocket: '/run/a.sock', logFile: '/c/log', logMaxBytes: 1, logMaxFiles: 1, stopMarker: '/c/stopped', restart: { name: 'no' as const, maximumRetryCount: 0 } };
  assert.equal(relays({ terminalFds: [0, 1, 2], interactive: true, supervisor }), []);

  const exec = (over: { tty?: boolean; detach?: boolean }) => planExec({
    container: planLaunch(input()).process, pid: 42, startTicks: 7, command: ['sh'], env: [],
    tty: false, interactive: true, terminalFds: [0, 1, 2], detach: false, ...over,
  }).filter((d) => d[0] === 'relay').map((d) => d[1]);
  assert.equal(exec({}), ['0', '1', '2']);
  assert.equal(exec({ tty: true }), []);
  assert.equal(exec({ detach: true }), []);
});

/** A container's record as this nook writes it, and as a nook before the process block did. */
function records(plan: LaunchPlan): Record<'current' | 'older', ContainerConfig> {
  const base = { id: 'a'.repeat(64), name: 'c', image: 'host', created: '', command: plan.process.argv, plan: plan.recorded };
  return { current: { ...base, process: plan.process }, older: { ...base, addedCapabilities: plan.process.addedCapabilities } };
}

const execOf = (container: ContainerConfig, over: Partial<ExecInput> = {}) => planExec({
  container: recordedProcess(container)!, pid: 42, startTicks: 7, command: ['sh'], env: [], tty: false, interactive: false, terminalFds: [], detach: false, ...over,
});

test('exec gives a user the capabilities run gives that user: root the set, anybody else what --cap-add added (ambient)', () => {
  const capsOf = (d: Directive[]) => d.find((x) => x[0] === 'caps');
  for (const runUser of [0, 1000]) {
    const over = { capAdd: ['NET_BIND_SERVICE', 'NET_ADMIN'], user: { uid: runUser, gid: runUser, groups: [], home: '/' } };
    for (const [shape, rec] of Object.entries(records(planLaunch(input(over))))) {
      for (const execUser of [0, 1000, 2000]) {
        const ran = capsOf(planLaunch(input({ ...over, user: { uid: execUser, gid: execUser, groups: [], home: '/' } })).directives);
        const joined = capsOf(execOf(rec, { user: { uid: execUser, gid: execUser, groups: [], home: '/' } }));
        assert.equal(joined, ran, `${shape} record: run as ${runUser}, exec -u ${execUser}`);
      }
    }
  }
  // and without -u, the container's own user keeps exactly its sets
  const asUser = planLaunch(input({ capAdd: ['NET_BIND_SERVICE'], user: { uid: 1000, gid: 1000, groups: [], home: '/' } }));
  for (const rec of Object.values(records(asUser))) assert.equal(capsOf(execOf(rec)), capsOf(asUser.directives));
});

test('exec reads the container\'s process from its record\'s process block, and from the plan of a record older than it, alike', () => {
  const limits: Directive[] = [['cgroup', '/sys/fs/cgroup/x'], ['rlimit', '7', '1024', '1024'], ['pids-limit', '99'], ['cpu-affinity', '0'], ['nice', '5']];
  const plans = {
    alice: planLaunch(input({
      user: resolveUser('alice', PASSWD, GROUP), image: { Cmd: ['sh'], Env: ['A=1'], WorkingDir: '/srv' }, env: { files: [], flags: ['B=2'] },
      capAdd: ['NET_ADMIN'], limits,
    })),
    'single-id root, no_new_privs off': planLaunch(input({ identity: { ...input().identity, subuid: [], subgid: [] }, noNewPrivileges: false })),
  };
  for (const [name, plan] of Object.entries(plans)) {
    const { current, older } = records(plan);
    assert.equal(recordedProcess(older), plan.process, name);
    for (const over of [{}, { user: { uid: 0, gid: 0, groups: [0, 50], home: '/root' } }, { workdir: '/tmp', env: ['C=3'], tty: true }]) {
      assert.equal(execOf(current, over), execOf(older, over), name);
    }
  }
  const exec = execOf(records(plans.alice).current);
  assert.equal(exec.filter((d) => ['rlimit', 'cpu-affinity', 'nice', 'cgroup', 'pids-limit'].includes(d[0])), [limits[1], limits[3], limits[4]], 'the process\'s limits, not the container\'s');
  assert.equal(exec.filter((d) => ['env', 'chdir', 'user', 'groups', 'no-new-privs'].includes(d[0])), [
    ...plans.alice.process.env.map((e) => ['env', e]), ['chdir', '/srv'], ['no-new-privs'], ['user', '1000', '1000'], ['groups', '1000,50'],
  ]);
  const single = execOf(records(plans['single-id root, no_new_privs off']).current, { user: { uid: 0, gid: 0, groups: [0, 50], home: '/root' } });
  assert.not.ok(single.some((d) => d[0] === 'groups' || d[0] === 'no-new-privs'), 'single-id mode: no groups; no no_new_privs the container lacks');
  assert.is(recordedProcess({ id: 'b', name: 'b', image: '', created: '', command: [] }), undefined, 'no plan, no process');
});

test.run();
