// Issue 16: one test per known escape class of container runtimes, run as the unprivileged
// user against roots and commands made to escape. Each was seen to fail on a deliberately
// weakened launcher (see the closing note of issue 16 for the patches used).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { closeSync, lstatSync, mkdirSync, openSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nook, processesOf, Terminal, waitFor } from './harness.js';
import { escapingRoot as kitRoot, ranOrRefused, victim } from './escape-kit.js';

const test = suite('escapes');

const v = victim('nook-escapes-');
const { work, outside } = v;
const outsideIsUntouched = v.assertUntouched;
const source = join(work, 'source');
mkdirSync(source);
writeFileSync(join(source, 'marker'), 'from the source\n');

/** escape-kit's root; /etc too leads out: nook binds its network files at /etc/hosts, /etc/resolv.conf, /etc/hostname */
function escapingRoot(): string {
  const root = kitRoot(v, ['sh', 'ls', 'cat', 'echo', 'pwd', 'mkdir', 'true'], ['proc', 'dev', 'sys', 'tmp']);
  symlinkSync(`/oldroot${outside}`, join(root, 'etc'));
  return root;
}

test.after(() => {
  rmSync(work, { recursive: true, force: true });
});

test('a mount target that is a symlink out of the root never lands outside it', async () => {
  const root = escapingRoot();
  for (const link of ['abs', 'rel', 'magic']) {
    for (const [flag, spec] of [['-v', `${source}:/${link}/newdir`], ['-v', `${join(source, 'marker')}:/${link}/newfile`], ['--tmpfs', `/${link}/tmpdir`], ['-v', `${source}:/${link}`]]) {
      const r = await nook(['run', '--rm', '--network', 'none', flag!, spec!, '--rootfs', root, 'ls', '/'], { timeoutMs: 30_000 });
      ranOrRefused(r, `${flag} ${spec}`);
      outsideIsUntouched(`${flag} ${spec}`);
    }
  }
  // /etc is a link out: the generated hosts, resolv.conf and hostname must not follow it
  ranOrRefused(await nook(['run', '--rm', '--rootfs', root, 'true'], { timeoutMs: 30_000 }), 'network files');
  outsideIsUntouched('network files');
});

test('a symlink swapped in during start (a shared volume changed by another container) never redirects a mount', async () => {
  const volume = `swap-${process.pid}`;
  const busybox = process.env['NOOK_TEST_BUSYBOX'];
  assert.ok(busybox, 'NOOK_TEST_BUSYBOX is not set: run the suites through test/run.mjs');
  // the swapper turns /vol/sub into a link out of the root and back, as fast as it can
  const swap = `while :; do rm -rf /vol/sub; ln -s /oldroot${outside} /vol/sub; rm -f /vol/sub; ln -s ../../../../../../../..${outside} /vol/sub; rm -f /vol/sub; mkdir /vol/sub; done`;
  const swapper = await nook(['run', '-d', '--network', 'none', '-v', `${volume}:/vol`, busybox!, 'sh', '-c', swap]);
  assert.is(swapper.code, 0, swapper.stderr);
  const id = swapper.stdout.trim();
  try {
    for (let i = 0; i < 20; i++) {
      const r = await nook(['run', '--rm', '--network', 'none', '-v', `${volume}:/vol`, '-v', `${source}:/vol/sub/target`, busybox!, 'true'], { timeoutMs: 30_000 });
      // a start that lost the race to a missing parent is refused: that is fine
      assert.ok(r.code === 0 || r.code === 125, `start ${i}: exit ${r.code}\n${r.stderr}`);
      outsideIsUntouched(`start ${i}`);
    }
  } finally {
    await nook(['rm', '-f', id]);
    await nook(['volume', 'rm', volume]);
  }
});

test('a working directory through an inherited or leaked fd never resolves outside the root (CVE-2024-21626)', async () => {
  const busybox = process.env['NOOK_TEST_BUSYBOX'];
  assert.ok(busybox, 'NOOK_TEST_BUSYBOX is not set: run the suites through test/run.mjs');
  // the caller holds a directory fd of a host directory; the launcher holds fds of its own.
  // Wherever the working directory lands on the host (that directory, /tmp or /), the
  // listing shows the victim or this test's scratch directory, which no container root has.
  const LIST = 'ls -a . tmp 2>/dev/null; echo x > escaped';
  const hostSeen = new RegExp(`victim|${work.split('/').pop()}`);
  const dirFd = openSync(outside, 'r');
  try {
    for (let n = 3; n <= 12; n++) {
      const r = await nook(['run', '--rm', '--network', 'none', '-w', `/proc/self/fd/${n}`, busybox!, 'sh', '-c', LIST], { extraFds: [dirFd, 'pipe'], timeoutMs: 30_000 });
      assert.not.match(r.stdout, hostSeen, `-w /proc/self/fd/${n} reached the host's files:\n${r.stdout}`);
      ranOrRefused(r, `-w /proc/self/fd/${n}`);
      outsideIsUntouched(`-w /proc/self/fd/${n}`);
    }
    const box = await nook(['run', '-d', '--network', 'none', busybox!, 'sleep', '300']);
    assert.is(box.code, 0, box.stderr);
    const id = box.stdout.trim();
    try {
      for (let n = 3; n <= 12; n++) {
        const r = await nook(['exec', '-w', `/proc/self/fd/${n}`, id, 'sh', '-c', LIST], { extraFds: [dirFd, 'pipe'], timeoutMs: 30_000 });
        assert.not.match(r.stdout, hostSeen, `exec -w /proc/self/fd/${n} reached the host's files:\n${r.stdout}`);
        outsideIsUntouched(`exec -w /proc/self/fd/${n}`);
      }
      // and the process itself holds no fd but its stdio
      const fds = await nook(['exec', id, 'ls', '/proc/self/fd'], { extraFds: [dirFd, 'pipe'] });
      assert.equal(fds.stdout.trim().split(/\s+/), ['0', '1', '2', '3'], fds.stderr);
    } finally {
      await nook(['rm', '-f', id]);
    }
  } finally {
    closeSync(dirFd);
  }
});

test('/proc and /sys: kernel knobs a namespace root could otherwise write are read-only or masked', async () => {
  const busybox = process.env['NOOK_TEST_BUSYBOX'];
  assert.ok(busybox, 'NOOK_TEST_BUSYBOX is not set: run the suites through test/run.mjs');
  // Each of these is writable by root of a user namespace that owns the uts or network
  // namespace (or readable where it leaks the host) when nothing covers it.
  const writes = [
    ['domainname', 'echo x > /proc/sys/kernel/domainname'],
    ['hostname-sysctl', 'echo x > /proc/sys/kernel/hostname'],
    ['ping_group_range', 'echo "0 0" > /proc/sys/net/ipv4/ping_group_range'],
    ['ip_forward', 'echo 1 > /proc/sys/net/ipv4/ip_forward'],
    ['sysrq', 'echo h > /proc/sysrq-trigger'],
    ['lo-mtu', 'echo 1280 > /sys/class/net/lo/mtu'],
    ['uevent_helper', 'echo /x > /sys/kernel/uevent_helper'],
    ['sys-kernel-new', 'echo x > /sys/kernel/nook-escape'],
  ];
  const script = writes.map(([name, cmd]) => `if ( ${cmd} ) 2>/dev/null; then echo "${name} WRITTEN"; else echo "${name} refused"; fi`).join('; ');
  const r = await nook(['run', '--rm', '--network', 'none', busybox!, 'sh', '-c', script], { timeoutMs: 30_000 });
  assert.is(r.code, 0, r.stderr);
  for (const [name] of writes) assert.match(r.stdout, `${name} refused`, `${name}:\n${r.stdout}`);
  // the mounts say why: /proc/sys and /sys are read-only mounts (sysrq-trigger, where the
  // kernel shows it in a user namespace at all, is one too)
  const mounts = await nook(['run', '--rm', '--network', 'none', busybox!, 'sh', '-c', 'grep -E " /(proc/sys|sys|proc/sysrq-trigger) " /proc/mounts | cut -d" " -f2,4']);
  for (const path of ['/proc/sys', '/sys']) assert.match(mounts.stdout, new RegExp(`^${path} ro[,\\n]`, 'm'), `${path}:\n${mounts.stdout}`);
});

test('fuse-overlayfs: its daemon is not in the container, so no /proc/PID/root leads to the host', async () => {
  const busybox = process.env['NOOK_TEST_BUSYBOX'];
  assert.ok(busybox, 'NOOK_TEST_BUSYBOX is not set: run the suites through test/run.mjs');
  const script = 'for p in /proc/[0-9]*; do echo "comm $(cat $p/comm)"; ls -a $p/root/tmp 2>/dev/null; done; echo done';
  for (const extra of [['--privileged'], []]) {
    const r = await nook(['run', '--rm', '--network', 'none', ...extra, '--storage-driver', 'fuse-overlayfs', busybox!, 'sh', '-c', script], { timeoutMs: 60_000 });
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /^done$/m);
    assert.not.match(r.stdout, /fuse-overlayfs/, `${extra.join(' ')}: the daemon is visible:\n${r.stdout}`);
    assert.not.match(r.stdout, new RegExp(work.split('/').pop()!), `${extra.join(' ')}: the host's /tmp was reached:\n${r.stdout}`);
  }
  // the daemon ends with the container
  await waitFor('the fuse-overlayfs daemon to end', () => (processesOf().some((p) => p.cmd.includes('fuse-overlayfs')) ? undefined : true));
});

test('fuse-overlayfs: ^C at the terminal reaches the container, not the daemon under its root', async () => {
  const busybox = process.env['NOOK_TEST_BUSYBOX'];
  assert.ok(busybox, 'NOOK_TEST_BUSYBOX is not set: run the suites through test/run.mjs');
  // without -t the terminal signals its whole foreground group: a daemon left in it would die
  // and take the container's root with it
  const term = Terminal.nook(['run', '--rm', '--network', 'none', '--storage-driver', 'fuse-overlayfs', busybox!, 'sh', '-c',
    'trap "echo got-int" INT; echo ready; sleep 3 & wait; ls /bin >/dev/null && echo root-ok']);
  try {
    await term.waitForScreen(/^ready$/m, 30_000);
    term.press('C-c');
    const code = await term.waitForExit(30_000);
    const screen = term.screen();
    assert.match(screen, /got-int$/m, screen);
    assert.match(screen, /^root-ok$/m, `the root went away with the daemon:\n${screen}`);
    assert.is(code, 0, screen);
  } finally {
    term.close();
  }
});

test('the /tmp runtime-dir fallback, made first by another user, is refused (attach sockets and locks would be theirs)', async () => {
  const uid = process.getuid!();
  const dir = `/tmp/nook-${uid}`;
  // the other user: a subordinate uid, through a container with the host's /tmp bound on /mnt (an existing directory: the root is read-only)
  const asOther = (cmd: string) => nook(['run', '--rm', '--network', 'none', '-u', '1000:1000', '--cap-drop', 'ALL', '-v', '/tmp:/mnt', 'host', 'sh', '-c', cmd]);
  // an earlier run may have left it, as ours or as the other user's
  await asOther(`rm -rf /mnt/nook-${uid}`);
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch (e) {
    const st = lstatSync(dir);
    throw new Error(`${dir} is left by someone else (uid ${st.uid}, mode ${st.mode.toString(8)}): ${(e as Error).message}`);
  }
  for (const plant of [`mkdir -m 777 /mnt/nook-${uid}`, `ln -s /mnt /mnt/nook-${uid}`]) {
    const made = await asOther(plant);
    assert.is(made.code, 0, made.stderr);
    try {
      const r = await nook(['run', '-d', '--network', 'none', 'host', 'sleep', '5'], { env: { XDG_RUNTIME_DIR: '' } });
      assert.is(r.code, 125, `${plant}: exit ${r.code}\n${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /^nook: refusing the runtime directory \/tmp\/nook-\d+: it is (owned by uid \d+|a symbolic link)/, r.stderr);
      assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    } finally {
      await asOther(`rm -rf /mnt/nook-${uid}`);
    }
  }
});

test.run();
