#!/usr/bin/env node
// Seccomp cost: compile time of `default` (cold, cached in-process, cached in a fresh process),
// then 10^6 getppid() under `default`, `strict` and podman's profile against no filter, each
// loaded by bwrap --seccomp. Medians of RUNS runs; ratios against unconfined.
// Usage: node bench/seccomp.mjs [RUNS]   (needs gcc, bwrap; run from the repository)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tsImport } from 'tsx/esm/api';

const RUNS = Number(process.argv[2] ?? 11);
const LOOPS = 1_000_000;
const PODMAN_PROFILE = '/usr/share/containers/seccomp.json';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const compiler = () => tsImport('../src/security/seccomp/compile.ts', import.meta.url);
const { DEFAULT_CAPABILITIES } = await tsImport('../src/security/capabilities.ts', import.meta.url);

if (process.argv[2] === '--compile-once') {
  // Child mode: one compile in a fresh process against a warm cache (what `nook run` pays).
  const { compileProfile } = await compiler();
  const t = performance.now();
  await compileProfile({ profile: 'default', capabilities: DEFAULT_CAPABILITIES });
  process.stdout.write(String(performance.now() - t));
  process.exit(0);
}

const scratch = mkdtempSync(join(tmpdir(), 'nook-bench-seccomp-'));
process.env.XDG_CACHE_HOME = join(scratch, 'cache');
try {
  const { compileProfile } = await compiler();
  let t = performance.now();
  await compileProfile({ profile: 'default', capabilities: DEFAULT_CAPABILITIES });
  const cold = performance.now() - t;
  const warm = [];
  for (let i = 0; i < RUNS; i++) {
    t = performance.now();
    await compileProfile({ profile: 'default', capabilities: DEFAULT_CAPABILITIES });
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
  writeFileSync(src, `#include <unistd.h>\n#include <sys/syscall.h>\nint main(void){for(long i=0;i<${LOOPS};i++)syscall(SYS_getppid);return 0;}\n`);
  execFileSync('gcc', ['-O2', '-o', bin, src]);

  const programs = { unconfined: null };
  for (const name of ['default', 'strict']) programs[name] = (await compileProfile({ profile: name, capabilities: DEFAULT_CAPABILITIES })).bpf;
  if (existsSync(PODMAN_PROFILE)) programs['podman'] = (await compileProfile({ profile: PODMAN_PROFILE, capabilities: DEFAULT_CAPABILITIES })).bpf;

  const timeLoop = (bpf) => {
    const args = ['--unshare-all', '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp', '--ro-bind', bin, '/tmp/getppid'];
    const stdio = ['ignore', 'pipe', 'inherit'];
    let fd;
    if (bpf) {
      const file = join(scratch, 'p.bpf');
      writeFileSync(file, bpf);
      fd = openSync(file, 'r');
      stdio[3] = fd;
      args.push('--seccomp', '3');
    }
    // The loop is timed inside the sandbox so bwrap's own start-up is not counted.
    const script = 's=$(date +%s%N); /tmp/getppid; e=$(date +%s%N); echo $((e - s))';
    const r = spawnSync('bwrap', [...args, '--', 'sh', '-c', script], { stdio, encoding: 'utf8' });
    if (fd !== undefined) closeSync(fd);
    if (r.status !== 0) throw new Error(`bwrap failed: ${r.stderr ?? r.status}`);
    return Number(r.stdout.trim()) / 1e6;
  };

  const results = {};
  for (let i = 0; i < RUNS; i++) {
    // Interleaved so that drift in machine load hits every profile alike.
    for (const [name, bpf] of Object.entries(programs)) (results[name] ??= []).push(timeLoop(bpf));
  }
  const base = median(results.unconfined);
  console.log(`${LOOPS} getppid, median of ${RUNS}:`);
  for (const [name, times] of Object.entries(results)) {
    const insns = programs[name] ? `${programs[name].length / 8} insns` : 'no filter';
    console.log(`  ${name.padEnd(11)} ${median(times).toFixed(1).padStart(7)} ms  ${(median(times) / base).toFixed(3)}x  (${insns})`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
