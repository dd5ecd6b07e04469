// The Debian fixture on each storage driver: kernel overlay, fuse-overlayfs and the copy of
// the layers. Each must show the image's owners and modes, apply the upper layers' deletions
// (whiteouts and the opaque directory), keep hard links, and take writes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nook } from './harness.js';
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

test.run();
