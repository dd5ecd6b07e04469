#!/usr/bin/env node
// Seccomp cost: compile time of `default` (cold, cached in-process, cached in a fresh process),
// then 10^6 getppid() in a container under nook's `default` and `strict` against
// `unconfined`, and under podman's default profile against podman's unconfined, in one run,
// as the unprivileged bench user. Medians of RUNS runs; the loop is timed inside the
// container, so start-up is not counted.
// Usage: node bench/seccomp.mjs [RUNS]   (needs gcc; podman is installed when missing)
import { execFileSync } from 'node:child_process';
import { setup, setupPodman, mustAsUser, benchFixtures, median } from './lib.mjs';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tsImport } from 'tsx/esm/api';

const RUNS = Number(process.argv[2] ?? 11);
const LOOPS = 1_000_000;

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

  const src = join(scratch, 'getppid.c');
  const bin = join(scratch, 'getppid');
  // times itself, so neither the container's start nor its shell's `date` is counted
  writeFileSync(src, `#include <stdio.h>\n#include <time.h>\n#include <unistd.h>\n#include <sys/syscall.h>\nint main(void){struct timespec a,b;clock_gettime(CLOCK_MONOTONIC,&a);for(long i=0;i<${LOOPS};i++)syscall(SYS_getppid);clock_gettime(CLOCK_MONOTONIC,&b);printf("%lld\\n",(long long)(b.tv_sec-a.tv_sec)*1000000000LL+(b.tv_nsec-a.tv_nsec));return 0;}\n`);
  // static, so it runs in the busybox image too
  execFileSync('gcc', ['-O2', '-static', '-o', bin, src]);
  chmodSync(bin, 0o755);

  const ctx = setup();
  setupPodman(ctx);
  chmodSync(scratch, 0o755);
  const { fx, teardown: teardownFixtures } = await benchFixtures(ctx);
  try {
    mustAsUser(ctx, `podman pull -q --tls-verify=false ${fx.NOOK_TEST_BUSYBOX} >/dev/null`);
    const nook = (profile) => `node ${ctx.bin} run --rm --network none --security-opt seccomp=${profile} -v ${scratch}:/mnt:ro host /mnt/getppid`;
    const podman = (opt) => `podman run --rm --network none ${opt} -v ${scratch}:/mnt:ro ${fx.NOOK_TEST_BUSYBOX} /mnt/getppid`;
    const commands = {
      'nook unconfined': nook('unconfined'),
      'nook default': nook('default'),
      'nook strict': nook('strict'),
      'podman unconfined': podman('--security-opt seccomp=unconfined'),
      'podman default': podman(''),
    };
    const results = {};
    for (let i = 0; i < RUNS; i++) {
      // Interleaved so that drift in machine load hits every profile alike.
      for (const [name, cmd] of Object.entries(commands)) (results[name] ??= []).push(Number(mustAsUser(ctx, cmd).trim()) / 1e6);
    }
    console.log(`${LOOPS} getppid in a container, median of ${RUNS} (goal: nook default <= 1.05x unconfined):`);
    for (const [name, times] of Object.entries(results)) {
      const base = median(results[name.startsWith('podman') ? 'podman unconfined' : 'nook unconfined']);
      console.log(`  ${name.padEnd(18)} ${median(times).toFixed(1).padStart(7)} ms  ${(median(times) / base).toFixed(3)}x its unconfined`);
    }
  } finally {
    await teardownFixtures();
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
