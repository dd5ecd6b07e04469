// The Debian fixture on each storage driver: kernel overlay, fuse-overlayfs and the copy of
// the layers. Each must show the image's owners and modes, apply the upper layers' deletions
// (whiteouts and the opaque directory), keep hard links, and take writes. The kernel overlay
// of a --rm container skips syncs (volatile) and still starts again when it outlived its run.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nook, waitFor } from './harness.js';
import { HARDLINK, OPAQUE_DIR, OWNED_PATHS, WHITEOUT_FILES } from '../fixtures/debian-expectations.mjs';

const image = process.env['NOOK_TEST_DEBIAN'];

for (const driver of ['overlay', 'fuse-overlayfs', 'copy']) {
  test(`${driver}: owners, deletions, opaque dir, hard links, writes`, async () => {
    assert.ok(image, 'NOOK_TEST_DEBIAN is not set: run the suites through test/run.mjs');
    const script = [
      ...OWNED_PATHS.map((p) => `stat -c "%u %g %a %n" ${p.path}`),
      ...WHITEOUT_FILES.map((f) => `[ -e ${f} ] && echo "present ${f}"`),
      `ls -A ${OPAQUE_DIR.path} | sort | tr '\\n' ' '; echo`,
      `[ ${HARDLINK.path} -ef ${HARDLINK.target} ] && echo hardlink-ok`,
      'echo x > /new && echo write-ok',
      'grep " / " /proc/mounts | cut -d" " -f3',
    ].join('; ');
    const r = await nook(['run', '--rm', '--network', 'none', '--storage-driver', driver, image!, 'sh', '-c', `${script}; true`], { timeoutMs: 120_000 });
    assert.is(r.code, 0, r.stderr);
    for (const p of OWNED_PATHS) {
      const mode = p.mode.replace(/^0+(?=\d)/, '');
      assert.match(r.stdout, `${p.uid} ${p.gid} ${mode} ${p.path}\n`, `${p.path} on ${driver}`);
    }
    assert.not.match(r.stdout, /present /);
    assert.match(r.stdout, `${[...OPAQUE_DIR.kept].sort().join(' ')} \n`);
    assert.match(r.stdout, /hardlink-ok/);
    assert.match(r.stdout, /write-ok/);
    assert.match(r.stdout, { overlay: /^overlay$/m, 'fuse-overlayfs': /^fuse\.fuse-overlayfs$/m, copy: /^(ext4|xfs|btrfs|tmpfs)$/m }[driver]!);
  });
}

test('--read-only on an image without /etc/hosts: the root refuses writes, /tmp and /dev/shm take them', async () => {
  const busybox = process.env['NOOK_TEST_BUSYBOX'];
  assert.ok(busybox, 'NOOK_TEST_BUSYBOX is not set: run the suites through test/run.mjs');
  const r = await nook(['run', '--rm', '--read-only', '--tmpfs', '/tmp', busybox!, 'sh', '-c',
    'touch /x 2>/dev/null && echo root-writable; touch /tmp/x /dev/shm/x && echo scratch-ok; cat /etc/hosts | grep -c localhost']);
  assert.is(r.code, 0, r.stderr);
  assert.not.match(r.stdout, /root-writable/);
  assert.match(r.stdout, /scratch-ok/);
});

const busybox = process.env['NOOK_TEST_BUSYBOX'];
const ROOT_MOUNT = 'grep " / " /proc/self/mountinfo';

async function inspect(name: string, format: string): Promise<string> {
  const r = await nook(['inspect', '-f', format, name]);
  assert.is(r.code, 0, r.stderr);
  return r.stdout.trim();
}

/** Kills a detached container's supervisor as a crash would, and waits for the container to end with it. */
async function killSupervisor(name: string): Promise<void> {
  const pid = Number(await inspect(name, '{{.State.Pid}}'));
  const supervisor = Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  process.kill(supervisor, 'SIGKILL');
  await waitFor('the container to end with its supervisor', async () => ((await inspect(name, '{{.State.Status}}')) === 'exited' ? true : undefined));
}

test('overlay: the root of a --rm container skips syncs (volatile), a kept container\'s does not', async () => {
  assert.ok(busybox, 'NOOK_TEST_BUSYBOX is not set: run the suites through test/run.mjs');
  const rm = await nook(['run', '--rm', '--network', 'none', '--storage-driver', 'overlay', busybox!, 'sh', '-c', ROOT_MOUNT]);
  assert.is(rm.code, 0, rm.stderr);
  assert.match(rm.stdout, /\boverlay\b.*\bvolatile\b/);
  const kept = `drv${process.pid}-kept`;
  try {
    const r = await nook(['run', '--name', kept, '--network', 'none', '--storage-driver', 'overlay', busybox!, 'sh', '-c', ROOT_MOUNT]);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /\boverlay\b.*\buserxattr\b/);
    assert.not.match(r.stdout, /volatile/);
  } finally {
    await nook(['rm', '-f', kept]);
  }
});

test('overlay: containers whose supervisor was killed start again; a --rm one keeps its upper within the boot, and loses it when its run began before this boot', async () => {
  assert.ok(busybox, 'NOOK_TEST_BUSYBOX is not set: run the suites through test/run.mjs');
  const scratch = `drv${process.pid}-rm`;
  const kept = `drv${process.pid}-keep`;
  // each start says whether the previous one's write survived
  const script = '[ -e /mark ] && echo upper-kept || echo upper-new; echo x > /mark; exec sleep 300';
  const starts = async (name: string, n: number) => waitFor(`start ${n} of ${name} to report`, async () => {
    const r = await nook(['logs', name]);
    const lines = r.stdout.trim().split('\n').filter(Boolean);
    return lines.length >= n ? lines : undefined;
  });
  try {
    for (const [name, rm] of [[scratch, ['--rm']], [kept, []]] as const) {
      const r = await nook(['run', '-d', ...rm, '--name', name, '--network', 'none', '--storage-driver', 'overlay', busybox!, 'sh', '-c', script]);
      assert.is(r.code, 0, r.stderr);
      await starts(name, 1);
      await killSupervisor(name);
      const again = await nook(['start', name]);
      assert.is(again.code, 0, `${name}: ${again.stderr}`);
      assert.equal(await starts(name, 2), ['upper-new', 'upper-kept'], name);
    }
    // as after a crash: the --rm container's last run began before this boot
    await killSupervisor(scratch);
    const state = join(dirname(await inspect(scratch, '{{.LogPath}}')), 'state.json');
    writeFileSync(state, JSON.stringify({ ...JSON.parse(readFileSync(state, 'utf8')), startedAt: '2000-01-01T00:00:00.000Z' }));
    const r = await nook(['start', scratch]);
    assert.is(r.code, 0, r.stderr);
    assert.equal(await starts(scratch, 3), ['upper-new', 'upper-kept', 'upper-new']);
  } finally {
    await nook(['rm', '-f', scratch, kept]);
  }
});

test.run();
