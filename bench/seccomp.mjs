#!/usr/bin/env node
// Seccomp cost: compile time of `default` (cold, cached in-process, cached in a fresh process),
// then two loops timed inside a container, under nook's `default` and `strict` against
// `unconfined`, and under podman's default profile against podman's unconfined, in one run,
// as the unprivileged bench user. Medians and the best of RUNS runs; start-up is not counted.
// - getppid: 10^6 getppid(), the goal's measure. Its syscall is so cheap (~100 ns here) that
//   the fixed cost of having any filter at all shows: the `allow-all` rows load a filter that
//   allows everything but one unused call. The kernel's action cache (Linux 5.11+) lets a
//   call whose filter result is a constant ALLOW skip the BPF run, so a long profile costs no
//   more than allow-all for such a call; what remains is seccomp's entry work per syscall.
// - mix: 2.5*10^5 rounds of stat, a 4 KiB read of /dev/zero, getppid and clock_gettime (as a
//   syscall, not the vDSO): a syscall-heavy loop whose calls do some work, as programs' do.
// Usage: node bench/seccomp.mjs [RUNS]   (needs gcc; podman is installed when missing)
import { execFileSync } from 'node:child_process';
import { setup, setupPodman, mustAsUser, benchFixtures, median } from './lib.mjs';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tsImport } from 'tsx/esm/api';

const RUNS = Number(process.argv[2] ?? 11);
const LOOPS = 1_000_000;
/** the mix makes 4 syscalls a round */
const ROUNDS = LOOPS / 4;

const compiler = () => tsImport('../src/security/seccomp/compile.ts', import.meta.url);
const { DEFAULT_CAPABILITIES } = await tsImport('../src/security/capabilities.ts', import.meta.url);
const { resolveProfile } = await tsImport('../src/security/seccomp/locate.ts', import.meta.url);
// the compiler takes a profile read once (its text and file), as `run` reads it at create
const DEFAULT = { profile: resolveProfile('default'), capabilities: DEFAULT_CAPABILITIES };

if (process.argv[2] === '--compile-once') {
  // Child mode: one compile in a fresh process against a warm cache (what `nook run` pays).
  const { compileProfile } = await compiler();
  const t = performance.now();
  await compileProfile(DEFAULT);
  process.stdout.write(String(performance.now() - t));
  process.exit(0);
}

const scratch = mkdtempSync(join(tmpdir(), 'nook-bench-seccomp-'));
process.env.XDG_CACHE_HOME = join(scratch, 'cache');
try {
  const { compileProfile } = await compiler();
  let t = performance.now();
  await compileProfile(DEFAULT);
  const cold = performance.now() - t;
  const warm = [];
  for (let i = 0; i < RUNS; i++) {
    t = performance.now();
    await compileProfile(DEFAULT);
    warm.push(performance.now() - t);
  }
  const fresh = [];
  for (let i = 0; i < Math.min(RUNS, 5); i++) {
    const out = execFileSync(process.execPath, [new URL(import.meta.url).pathname, '--compile-once'], { env: process.env, encoding: 'utf8' });
    fresh.push(Number(out));
  }
  console.log(`compile default: cold ${cold.toFixed(1)} ms (includes loading libseccomp), cached ${median(warm).toFixed(2)} ms in-process, ${median(fresh).toFixed(1)} ms in a fresh process`);

  const src = join(scratch, 'loop.c');
  const bin = join(scratch, 'loop');
  // times itself, so neither the container's start nor its shell's `date` is counted
  writeFileSync(src, `#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
int main(int argc, char **argv) {
  int mix = argc > 1 && !strcmp(argv[1], "mix"), zero = open("/dev/zero", O_RDONLY);
  static char buf[4096];
  struct stat st;
  struct timespec a, b, t;
  if (zero < 0) return 1;
  clock_gettime(CLOCK_MONOTONIC, &a);
  if (mix)
    for (long i = 0; i < ${ROUNDS}; i++) {
      syscall(SYS_newfstatat, AT_FDCWD, argv[0], &st, 0);
      syscall(SYS_read, zero, buf, sizeof buf);
      syscall(SYS_getppid);
      syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &t);
    }
  else
    for (long i = 0; i < ${LOOPS}; i++) syscall(SYS_getppid);
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("%lld\\n", (long long)(b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec));
  return 0;
}
`);
  // static, so it runs in the busybox image too
  execFileSync('gcc', ['-O2', '-static', '-o', bin, src]);
  chmodSync(bin, 0o755);
  // A filter that allows all but one call nothing uses: what any filter costs.
  const allowAll = join(scratch, 'allow-all.json');
  writeFileSync(allowAll, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['kexec_load'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] }));

  const ctx = setup();
  setupPodman(ctx);
  chmodSync(scratch, 0o755);
  const { fx, teardown: teardownFixtures } = await benchFixtures(ctx);
  try {
    mustAsUser(ctx, `podman pull -q --tls-verify=false ${fx.NOOK_TEST_BUSYBOX} >/dev/null`);
    const nook = (profile) => `node ${ctx.bin} run --rm --network none --security-opt seccomp=${profile} -v ${scratch}:/mnt:ro host /mnt/loop`;
    const podman = (opt) => `podman run --rm --network none ${opt} -v ${scratch}:/mnt:ro ${fx.NOOK_TEST_BUSYBOX} /mnt/loop`;
    const commands = {
      'nook unconfined': nook('unconfined'),
      'nook allow-all': nook(allowAll),
      'nook default': nook('default'),
      'nook strict': nook('strict'),
      'podman unconfined': podman('--security-opt seccomp=unconfined'),
      'podman allow-all': podman('--security-opt seccomp=' + allowAll),
      'podman default': podman(''),
    };
    const loops = { getppid: { arg: '', syscalls: LOOPS }, mix: { arg: ' mix', syscalls: ROUNDS * 4 } };
    const results = {};
    for (let i = 0; i < RUNS; i++) {
      // Interleaved so that drift in machine load hits every profile and loop alike.
      for (const [loop, { arg }] of Object.entries(loops)) {
        for (const [name, cmd] of Object.entries(commands)) ((results[loop] ??= {})[name] ??= []).push(Number(mustAsUser(ctx, cmd + arg).trim()) / 1e6);
      }
    }
    const title = {
      getppid: `${LOOPS} getppid in a container, median of ${RUNS} (goal: nook default <= 1.05x unconfined):`,
      mix: `${ROUNDS} rounds of stat, read 4 KiB of /dev/zero, getppid, clock_gettime in a container, median of ${RUNS} (not the goal's measure: beside getppid's):`,
    };
    for (const [loop, byName] of Object.entries(results)) {
      console.log(title[loop]);
      for (const [name, times] of Object.entries(byName)) {
        const base = byName[name.startsWith('podman') ? 'podman unconfined' : 'nook unconfined'];
        const ns = (median(times) * 1e6) / loops[loop].syscalls;
        // The best run beside the median: other load only ever adds time, so on a busy machine
        // the best runs' ratio is the steadier one.
        const best = Math.min(...times);
        console.log(`  ${name.padEnd(18)} ${median(times).toFixed(1).padStart(7)} ms ${ns.toFixed(1).padStart(6)} ns/syscall  ${(median(times) / median(base)).toFixed(3)}x its unconfined` +
          `  (best ${best.toFixed(1)} ms, ${(best / Math.min(...base)).toFixed(3)}x)`);
      }
    }
  } finally {
    await teardownFixtures();
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
