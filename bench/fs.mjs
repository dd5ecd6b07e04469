#!/usr/bin/env node
// File-system work inside a container as a ratio to the same work on the host: extract,
// read and delete 20,000 small files, on the driver nook chose and on fuse-overlayfs, next
// to podman on kernel overlay and on fuse-overlayfs. Everything runs on a scratch ext4 with a
// journal (a loop-mounted image): this VM's root file system has none, which makes creating
// files right after deleting many very slow and would measure the disk, not the drivers.
//   node bench/fs.mjs [runs]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, chmodSync, chownSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setup, need, mustAsUser, setupPodman, hyperfine, report, benchFixtures } from './lib.mjs';

const runs = Number(process.argv[2] ?? 5);
if (process.getuid() !== 0) throw new Error('bench/fs.mjs needs root to loop-mount its scratch file system');
need('e2fsprogs', 'hyperfine');
const ctx = setup();
setupPodman(ctx);

const scratch = mkdtempSync('/tmp/nook-fs-');
const image = join(scratch, 'ext4.img');
const mnt = join(scratch, 'mnt');
mkdirSync(mnt);
execFileSync('truncate', ['-s', '3G', image]);
execFileSync('mkfs.ext4', ['-q', '-F', image]);
execFileSync('mount', ['-o', 'loop', image, mnt]);
chownSync(mnt, ctx.uid, ctx.gid);
chmodSync(scratch, 0o755);

const { fx, teardown: teardownFixtures } = await benchFixtures(ctx);
try {
  const ref = fx.NOOK_TEST_BUSYBOX;
  // 20,000 files of 100 bytes in 200 directories
  mustAsUser(ctx, `cd ${mnt} && mkdir src && for d in $(seq 1 200); do mkdir src/d$d; for f in $(seq 1 100); do head -c 100 /dev/urandom > src/d$d/f$f; done; done && tar -cf files.tar -C src . && rm -rf src`);
  const work = 'mkdir -p W && tar -xf /files.tar -C W && find W -type f -exec cat {} + >/dev/null && rm -rf W';
  const env = `XDG_DATA_HOME=${mnt}/nook`;
  const podman = (driver) => `podman --root ${mnt}/podman-${driver} --runroot ${mnt}/run-${driver} --storage-driver overlay${driver === 'fuse' ? ' --storage-opt overlay.mount_program=/usr/bin/fuse-overlayfs' : ''}`;
  mustAsUser(ctx, `${env} node ${ctx.bin} pull -q ${ref}`);
  for (const d of ['kernel', 'fuse']) mustAsUser(ctx, `${podman(d)} pull -q --tls-verify=false ${ref} >/dev/null`);
  const inContainer = (cmd) => `${cmd} -v ${mnt}/files.tar:/files.tar:ro ${ref} sh -c 'cd / && ${work}'`;
  const results = hyperfine(ctx, {
    host: `sh -c 'cd ${mnt} && ${work.replace('/files.tar', `${mnt}/files.tar`)}'`,
    'nook (auto driver)': inContainer(`env ${env} node ${ctx.bin} run --rm --network none`),
    'nook (fuse-overlayfs)': inContainer(`env ${env} node ${ctx.bin} run --rm --network none --storage-driver fuse-overlayfs`),
    'podman (kernel overlay)': inContainer(`${podman('kernel')} run --rm --network none`),
    'podman (fuse-overlayfs)': inContainer(`${podman('fuse')} run --rm --network none`),
  }, { runs, warmup: 1 });
  report(`extract, read, delete 20,000 small files on a journaled ext4 scratch, median of ${runs} (goal: nook <= 1.3x host)`, results, 'host');
} finally {
  await teardownFixtures();
  mustAsUser(ctx, `podman unshare rm -rf ${mnt}/podman-kernel ${mnt}/podman-fuse ${mnt}/nook 2>/dev/null; true`);
  execFileSync('umount', ['-l', mnt]);
  execFileSync('rm', ['-rf', scratch]);
}
