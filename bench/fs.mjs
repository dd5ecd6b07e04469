#!/usr/bin/env node
// File-system work inside a container as a ratio to the same work on the host: extract,
// read and delete 20,000 small files, on the driver nook chose and on fuse-overlayfs, next
// to podman on kernel overlay and on fuse-overlayfs. Everything runs on a scratch ext4 with a
// journal (a loop-mounted image): this VM's root file system has none, which makes creating
// files right after deleting many very slow and would measure the disk, not the drivers.
// The host runs the image's own (static) busybox, as the containers do: against GNU tar,
// find and cat (printed for reference) the ratio measured busybox's tar, 3x slower than GNU's.
// Whole runs (start, work, exit, removal) are timed by hyperfine; each phase alone, inside, by
// /proc/uptime (10 ms steps; the container's seccomp refuses adjtimex, and the scheduler's
// per-CPU clocks in /proc/self/sched drift apart by a VM's steal time). The targets take
// turns, run by run.
//   node bench/fs.mjs [runs]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, chmodSync, chownSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setup, need, mustAsUser, setupPodman, hyperfine, report, benchFixtures, median } from './lib.mjs';

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

// Each phase timed in the shell that runs it: ARCHIVE DIR; prints "extract read rm" in ms.
const PHASES = `cd "$2" && mkdir -p W
read -r a _ </proc/uptime; tar -xf "$1" -C W; read -r b _ </proc/uptime; find W -type f -exec cat {} + >/dev/null
read -r c _ </proc/uptime; rm -rf W; read -r d _ </proc/uptime
echo "$a $b $c $d" | awk '{ printf "%.0f %.0f %.0f\\n", ($2 - $1) * 1000, ($3 - $2) * 1000, ($4 - $3) * 1000 }'
`;

const { fx, teardown: teardownFixtures } = await benchFixtures(ctx);
try {
  const ref = fx.NOOK_TEST_BUSYBOX;
  // 20,000 files of 100 bytes in 200 directories
  mustAsUser(ctx, `cd ${mnt} && mkdir src && for d in $(seq 1 200); do mkdir src/d$d; for f in $(seq 1 100); do head -c 100 /dev/urandom > src/d$d/f$f; done; done && tar -cf files.tar -C src . && rm -rf src`);
  writeFileSync(join(mnt, 'phases.sh'), PHASES);
  const env = `XDG_DATA_HOME=${mnt}/nook`;
  const podman = (driver) => `podman --root ${mnt}/podman-${driver} --runroot ${mnt}/run-${driver} --storage-driver overlay${driver === 'fuse' ? ' --storage-opt overlay.mount_program=/usr/bin/fuse-overlayfs' : ''}`;
  mustAsUser(ctx, `${env} node ${ctx.bin} pull -q ${ref}`);
  for (const d of ['kernel', 'fuse']) mustAsUser(ctx, `${podman(d)} pull -q --tls-verify=false ${ref} >/dev/null`);
  // the image's busybox, its applets by name first in the host's PATH
  const layers = join(mnt, 'nook', 'nook', 'layers');
  const busybox = readdirSync(layers).map((l) => join(layers, l, 'diff', 'bin', 'busybox')).find((p) => { try { execFileSync(p, ['true']); return true; } catch { return false; } });
  if (!busybox) throw new Error('the busybox image has no bin/busybox');
  const bb = join(scratch, 'busybox');
  mkdirSync(bb);
  for (const applet of ['sh', 'tar', 'find', 'cat', 'rm', 'mkdir', 'awk']) symlinkSync(busybox, join(bb, applet));

  const mounts = `-v ${mnt}/files.tar:/files.tar:ro -v ${mnt}/phases.sh:/phases.sh:ro`;
  const inContainer = (cmd) => (script) => `${cmd} ${mounts} ${ref} sh -c '${script}'`;
  // each target: how to run a script of the work there, and where the archive and the work are
  const targets = {
    host: { run: (script) => `env PATH=${bb}:/usr/bin:/bin ${bb}/sh -c '${script}'`, tar: `${mnt}/files.tar`, dir: mnt },
    'nook (auto driver)': { run: inContainer(`env ${env} node ${ctx.bin} run --rm --network none`) },
    'nook (fuse-overlayfs)': { run: inContainer(`env ${env} node ${ctx.bin} run --rm --network none --storage-driver fuse-overlayfs`) },
    'podman (kernel overlay)': { run: inContainer(`${podman('kernel')} run --rm --network none`) },
    'podman (fuse-overlayfs)': { run: inContainer(`${podman('fuse')} run --rm --network none`) },
  };
  const work = (t) => `cd ${t.dir ?? '/'} && mkdir -p W && tar -xf ${t.tar ?? '/files.tar'} -C W && find W -type f -exec cat {} + >/dev/null && rm -rf W`;
  const whole = Object.fromEntries(Object.entries(targets).map(([name, t]) => [name, t.run(work(t))]));
  whole['host (GNU tar, find, cat)'] = `sh -c '${work(targets.host)}'`;
  // one run of each per round, the first round a warm-up: the commands take turns, so that a
  // noisy moment on a shared machine spreads over all of them
  const rounds = Array.from({ length: runs + 1 }, () => hyperfine(ctx, whole, { runs: 1, warmup: 0 })).slice(1);
  const results = Object.fromEntries(Object.keys(whole).map((name) => [name, { median: median(rounds.map((r) => r[name].median)) }]));
  report(`extract, read, delete 20,000 small files on a journaled ext4 scratch, whole runs, median of ${runs} (goal: nook <= 1.3x host)`, results, 'host');

  const phases = Object.fromEntries(Object.keys(targets).map((name) => [name, [[], [], []]]));
  for (let r = 0; r < runs; r++) {
    for (const [name, t] of Object.entries(targets)) {
      const line = mustAsUser(ctx, t.run(`sh ${t.dir ? `${mnt}/phases.sh` : '/phases.sh'} ${t.tar ?? '/files.tar'} ${t.dir ?? '/'}`)).trim().split('\n').at(-1);
      line.split(' ').map(Number).forEach((ms, i) => phases[name][i].push(ms));
    }
  }
  console.log(`\neach phase alone, timed inside, median of ${runs} (goal: nook <= 1.3x host each)`);
  console.log(`  ${''.padEnd(26)} ${['extract', 'read', 'rm'].map((p) => p.padStart(17)).join('')}`);
  const base = phases.host.map(median);
  for (const [name, ps] of Object.entries(phases)) {
    const cells = ps.map((xs, i) => `${median(xs).toFixed(0).padStart(6)} ms ${(median(xs) / base[i]).toFixed(2)}x`.padStart(17));
    console.log(`  ${name.padEnd(26)} ${cells.join('')}`);
  }
} finally {
  await teardownFixtures();
  mustAsUser(ctx, `podman unshare rm -rf ${mnt}/podman-kernel ${mnt}/podman-fuse ${mnt}/nook 2>/dev/null; true`);
  execFileSync('umount', ['-l', mnt]);
  execFileSync('rm', ['-rf', scratch]);
}
