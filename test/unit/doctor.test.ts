import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { doctorExitCode, formatCheck, missing, ok, warn } from '../../src/doctor/check.js';
import { judgeRuntimeDir } from '../../src/doctor/checks/runtime-dir.js';
import { judgeSubIds } from '../../src/doctor/checks/subids.js';
import { judgeUserNsSysctls } from '../../src/doctor/checks/userns.js';
import { fsKind, mountFor, parseMountinfo } from '../../src/doctor/mountinfo.js';
import { firstLine, grantsCap, versionFrom } from '../../src/doctor/parse.js';

const alice = { name: 'alice', uid: 1000 };

test('formatCheck: status column, name, detail, fix', () => {
  assert.is(formatCheck(ok('user namespaces', 'max_user_namespaces=96365')), 'ok      user namespaces: max_user_namespaces=96365');
  assert.is(
    formatCheck(warn('subuid range', 'no entry for alice in /etc/subuid', 'sudo usermod --add-subuids 100000-165535 alice')),
    'warn    subuid range: no entry for alice in /etc/subuid — fix: sudo usermod --add-subuids 100000-165535 alice',
  );
  assert.is(formatCheck(missing('launcher', '/x/nook-run does not exist', 'run ./install.sh')), 'missing launcher: /x/nook-run does not exist — fix: run ./install.sh');
});

test('exit code is 1 only when a required check is missing', () => {
  assert.is(doctorExitCode([ok('a', ''), warn('b', '', 'f')]), 0);
  assert.is(doctorExitCode([ok('a', ''), missing('launcher', '', 'f')]), 1);
});

test('subid ranges: absent file, no entry, small range, enough', () => {
  const none = judgeSubIds('subuid', null, alice);
  assert.is(none.status, 'warn');
  assert.ok(none.detail.startsWith('/etc/subuid does not exist'));
  assert.is(none.fix, 'sudo usermod --add-subuids 100000-165535 alice');

  const other = judgeSubIds('subgid', 'bob:100000:65536\n', alice);
  assert.is(other.detail, 'no entry for alice in /etc/subgid; nook falls back to mapping only your own id');
  assert.is(other.fix, 'sudo usermod --add-subgids 165536-231071 alice');

  const small = judgeSubIds('subuid', '1000:100000:1000\n', alice);
  assert.is(small.status, 'warn');
  assert.ok(small.detail.startsWith('alice: 100000-100999 (1000 ids); 65536 recommended'), small.detail);

  const good = judgeSubIds('subuid', 'alice:100000:32768\nalice:200000:32768\n', alice);
  assert.equal(good, ok('subuid range', 'alice: 100000-132767, 200000-232767 (65536 ids)'));
});

test('subid ranges shared with another user are a warning', () => {
  const r = judgeSubIds('subuid', 'alice:100000:65536\nbob:150000:65536\n', alice);
  assert.is(r.status, 'warn');
  assert.ok(r.detail.includes('overlaps the range of bob in /etc/subuid'), r.detail);
  assert.is(r.fix, 'sudo usermod --del-subuids 100000-165535 alice && sudo usermod --add-subuids 215536-281071 alice');
});

test('overlapping ranges of the user itself are a warning', () => {
  const r = judgeSubIds('subgid', 'alice:265536:65536\nalice:300000:65536\n', alice);
  assert.is(r.status, 'warn');
  assert.ok(r.detail.includes('your ranges 265536-331071 and 300000-365535 overlap'), r.detail);
  assert.is(r.fix, 'sudo usermod --del-subgids 265536-365535 alice && sudo usermod --add-subgids 100000-165535 alice');
});

test('user namespace sysctls', () => {
  assert.is(judgeUserNsSysctls({ max: 96365, unprivilegedClone: null, apparmorRestrict: null }), 'max_user_namespaces=96365');
  assert.is(judgeUserNsSysctls({ max: 10, unprivilegedClone: 1, apparmorRestrict: 0 }), 'max_user_namespaces=10, unprivileged_userns_clone=1');
  const zero = judgeUserNsSysctls({ max: 0, unprivilegedClone: 1, apparmorRestrict: null });
  assert.is(typeof zero !== 'string' && zero.status, 'missing');
  assert.ok(typeof zero !== 'string' && zero.fix?.startsWith('sudo sysctl -w user.max_user_namespaces='));
  const debian = judgeUserNsSysctls({ max: 100, unprivilegedClone: 0, apparmorRestrict: null });
  assert.ok(typeof debian !== 'string' && debian.fix?.startsWith('sudo sysctl -w kernel.unprivileged_userns_clone=1'));
  const noKernel = judgeUserNsSysctls({ max: null, unprivilegedClone: null, apparmorRestrict: null });
  assert.is(typeof noKernel !== 'string' && noKernel.status, 'missing');
});

test('XDG_RUNTIME_DIR: unset, absent, foreign, too open, fine', () => {
  const dir = (uid: number, mode: number) => ({ uid, mode: 0o40000 | mode, isDirectory: () => true });
  const fb = '/tmp/nook-1000';
  assert.ok(judgeRuntimeDir(undefined, null, alice, fb).detail.startsWith('not set; nook uses /tmp/nook-1000'));
  assert.is(judgeRuntimeDir('relative', null, alice, fb).status, 'warn');
  assert.ok(judgeRuntimeDir('/run/user/1000', null, alice, '/run/user/1000/nook').detail.includes('does not exist'));
  assert.ok(judgeRuntimeDir('/run/user/1000', dir(0, 0o700), alice, fb).detail.includes('belongs to uid 0'));
  const open = judgeRuntimeDir('/run/user/1000', dir(1000, 0o755), alice, fb);
  assert.equal([open.status, open.fix], ['warn', 'chmod 0700 /run/user/1000']);
  assert.is(judgeRuntimeDir('/run/user/1000', dir(1000, 0o700), alice, fb).status, 'ok');
});

const MOUNTINFO = [
  '22 27 0:21 / /proc rw,relatime - proc proc rw',
  '27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
  '40 27 0:50 / /home rw,relatime shared:20 master:3 - nfs4 srv:/export/home rw,vers=4.2',
  '41 40 0:51 / /home/a/My\\040Files rw - fuse.sshfs a@b:/x rw',
  '42 27 0:52 / /home rw - tmpfs tmpfs rw',
  'garbage',
].join('\n');

test('parseMountinfo: fields, optional fields, octal escapes', () => {
  const m = parseMountinfo(MOUNTINFO);
  assert.is(m.length, 5);
  assert.equal(m[2], { mountPoint: '/home', fsType: 'nfs4', source: 'srv:/export/home' });
  assert.is(m[3]!.mountPoint, '/home/a/My Files');
});

test('mountFor: longest prefix, whole path components, the later mount on top', () => {
  const m = parseMountinfo(MOUNTINFO);
  assert.is(mountFor('/home/a/My Files/x', m)?.fsType, 'fuse.sshfs');
  assert.is(mountFor('/home/a/.local/share/nook', m)?.fsType, 'tmpfs');
  assert.is(mountFor('/homework', m)?.fsType, 'ext4');
  assert.is(mountFor('/', m)?.fsType, 'ext4');
  assert.is(mountFor('/home', m.slice(0, 4))?.fsType, 'nfs4');
});

test('fsKind', () => {
  assert.is(fsKind('nfs4'), 'network');
  assert.is(fsKind('cifs'), 'network');
  assert.is(fsKind('fuse.sshfs'), 'fuse');
  assert.is(fsKind('overlay'), 'overlay');
  assert.is(fsKind('ext4'), 'local');
  assert.is(fsKind('tmpfs'), 'local');
});

test('grantsCap reads getcap output in its old and new forms', () => {
  assert.ok(grantsCap('/usr/bin/newuidmap cap_setuid=ep\n', 'cap_setuid'));
  assert.ok(grantsCap('/usr/bin/newuidmap = cap_setuid+ep', 'cap_setuid'));
  assert.ok(grantsCap('/opt/my tools/newgidmap cap_setgid,cap_setuid=ep', 'cap_setgid'));
  assert.ok(grantsCap('/x =ep', 'cap_setuid'));
  assert.not.ok(grantsCap('/usr/bin/newuidmap cap_setuid=p', 'cap_setuid'), 'not effective');
  assert.not.ok(grantsCap('/usr/bin/newuidmap cap_setgid=ep', 'cap_setuid'));
  assert.not.ok(grantsCap('', 'cap_setuid'));
});

test('versionFrom reads the forms of the helpers we probe', () => {
  assert.is(versionFrom('slirp4netns', 'slirp4netns version 1.2.0\ncommit: 656041d\nlibslirp: 4.7.0\n'), '1.2.0');
  assert.is(versionFrom('fuse-overlayfs', 'unknown argument ignored: lazytime\nfusermount3 version: 3.14.0\nfuse-overlayfs: version 1.10\n'), '1.10');
  assert.is(versionFrom('pasta', 'pasta unknown version\nCopyright Red Hat\n'), 'unknown version');
  assert.is(versionFrom('pasta', 'pasta 2024_06_24.1ee2eca\n'), '2024_06_24.1ee2eca');
  assert.is(firstLine('\n  \n second \n'), 'second');
});

test.run();
