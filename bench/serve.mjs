#!/usr/bin/env node
// Throughput of `nook serve` through its client (dist/client.mjs): `true` in busybox with judge
// limits, sequential and 4-way concurrent, boxes per second, median of 5 rounds; beside it the
// CLI (`nook run --rm --limits ... busybox true` in a loop) in the same run. As the bench user.
//   node bench/serve.mjs [boxes-per-round]
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setup, mustAsUser, benchFixtures, median } from './lib.mjs';

const perRound = Number(process.argv[2] ?? 40);
const ROUNDS = 5;
const LIMITS = 'time=2,wall=5,mem=256M,procs=64,output=1M';
const ctx = setup();
const lib = dirname(ctx.bin);

// runs as the bench user: prints {"sequential": [...], "concurrent": [...], "cli": [...]} (boxes/s per round)
const driver = `
import { spawnSync } from 'node:child_process';
import { openSandbox } from ${JSON.stringify(join(lib, 'client.mjs'))};
const [image, perRound, rounds] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const limits = { time: 2, wall: 5, mem: '256M', procs: 64, output: '1M' };
const s = await openSandbox({ image, concurrency: 4 });
const check = (r) => { if (r.result.status !== 'OK') throw new Error(JSON.stringify(r.result)); };
check(await s.run({ cmd: ['true'], limits }));
const out = { sequential: [], concurrent: [], cli: [] };
for (let round = 0; round < rounds; round++) {
  let t = performance.now();
  for (let i = 0; i < perRound; i++) check(await s.run({ cmd: ['true'], limits }));
  out.sequential.push(perRound / ((performance.now() - t) / 1000));
  t = performance.now();
  let next = 0;
  const worker = async () => { while (next++ < perRound) check(await s.run({ cmd: ['true'], limits })); };
  await Promise.all([worker(), worker(), worker(), worker()]);
  out.concurrent.push(perRound / ((performance.now() - t) / 1000));
  const cliRuns = Math.max(5, perRound / 4);
  t = performance.now();
  for (let i = 0; i < cliRuns; i++) {
    const r = spawnSync(process.execPath, [${JSON.stringify(ctx.bin)}, 'run', '--rm', '--limits', ${JSON.stringify(LIMITS)}, image, 'true']);
    if (r.status !== 0) throw new Error(String(r.stderr));
  }
  out.cli.push(cliRuns / ((performance.now() - t) / 1000));
}
await s.close();
console.log(JSON.stringify(out));
`;
const driverPath = join(lib, 'serve-driver.mjs');
writeFileSync(driverPath, driver, { mode: 0o644 });

const { fx, teardown } = await benchFixtures(ctx);
try {
  const busybox = fx.NOOK_TEST_BUSYBOX;
  mustAsUser(ctx, `node ${ctx.bin} pull -q ${busybox}`);
  const out = JSON.parse(mustAsUser(ctx, `node ${driverPath} ${busybox} ${perRound} ${ROUNDS}`).trim().split('\n').pop());
  console.log(`\nbusybox true, --limits ${LIMITS}, ${perRound} boxes a round, median of ${ROUNDS} rounds (goal: >= 100/s sequential, >= 200/s concurrent)`);
  for (const [name, label] of [['sequential', 'nook serve, sequential'], ['concurrent', 'nook serve, 4 at once'], ['cli', 'nook run --rm --limits, in a loop']]) {
    console.log(`  ${label.padEnd(36)} ${median(out[name]).toFixed(1).padStart(7)} boxes/s   (rounds: ${out[name].map((x) => x.toFixed(0)).join(' ')})`);
  }
} finally {
  await teardown();
}
