#!/usr/bin/env node
// Memory per detached container: RSS and PSS of nook's supervisor (the launcher left behind
// by `run -d`, plus its network helper when there is one) next to podman's conmon (plus its
// slirp4netns), for N detached `sleep` containers of the busybox fixture, as the
// unprivileged bench user. Medians over the N containers.
//   node bench/supervisor.mjs [count=10] [nook network mode for the second round]
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setup, mustAsUser, asUser, setupPodman, benchFixtures, median } from './lib.mjs';

const count = Number(process.argv[2] ?? 10);
const nookNetwork = process.argv[3];
const ctx = setup();
// NOOK_BENCH_BIN: measure another build of the CLI (for example one not yet in dist/)
const nook = `node ${process.env.NOOK_BENCH_BIN ?? ctx.bin}`;

function memory(pid) {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(text)?.[1] ?? 0);
  return { rss: kb('Rss'), pss: kb('Pss') };
}

const children = (pid) => readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number).filter((p) => {
  try {
    return Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'))[1]) === pid;
  } catch {
    return false;
  }
});
const comm = (pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
function summarize(label, samples) {
  const kib = (v) => `${(v / 1024).toFixed(2)} MiB`.padStart(10);
  console.log(`  ${label.padEnd(40)} RSS ${kib(median(samples.map((s) => s.rss)))}   PSS ${kib(median(samples.map((s) => s.pss)))}   (${samples.length} containers)`);
  return median(samples.map((s) => s.pss));
}

/** The supervisors of the nook containers named prefix-i, with their helper (not the container). */
function nookSamples(prefix) {
  const home = ctx.home ?? process.env.HOME;
  return Array.from({ length: count }, (_, i) => {
    const id = mustAsUser(ctx, `${nook} inspect --format '{{.Id}}' ${prefix}-${i}`).trim();
    const state = JSON.parse(readFileSync(join(home, '.local/share/nook/containers', id, 'state.json'), 'utf8'));
    const own = memory(state.supervisorPid);
    const helpers = children(state.supervisorPid).filter((p) => p !== state.pid).map(memory);
    return { rss: own.rss + helpers.reduce((a, h) => a + h.rss, 0), pss: own.pss + helpers.reduce((a, h) => a + h.pss, 0) };
  });
}

function podmanSamples(prefix) {
  return Array.from({ length: count }, (_, i) => {
    const conmon = Number(mustAsUser(ctx, `podman inspect --format '{{.State.ConmonPid}}' ${prefix}-${i}`).trim());
    const pid = Number(mustAsUser(ctx, `podman inspect --format '{{.State.Pid}}' ${prefix}-${i}`).trim());
    const own = memory(conmon);
    // slirp4netns is started per container with the container's pid as an argument
    const helpers = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
      try {
        return comm(p) === 'slirp4netns' && readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').includes(String(pid));
      } catch {
        return false;
      }
    }).map((p) => memory(Number(p)));
    return { rss: own.rss + helpers.reduce((a, h) => a + h.rss, 0), pss: own.pss + helpers.reduce((a, h) => a + h.pss, 0) };
  });
}

const { fx, teardown: teardownFixtures } = await benchFixtures(ctx);
const rounds = [
  { title: 'network none', nook: '--network none', podman: '--network none' },
  ...(nookNetwork ? [{ title: `with network (nook ${nookNetwork}, podman slirp4netns)`, nook: `--network ${nookNetwork}`, podman: '--network slirp4netns' }] : []),
];
try {
  const busybox = fx.NOOK_TEST_BUSYBOX;
  mustAsUser(ctx, `${nook} pull -q ${busybox}`);
  setupPodman(ctx);
  mustAsUser(ctx, `podman pull -q --tls-verify=false ${busybox} >/dev/null`);
  for (const round of rounds) {
    console.log(`\nsupervisor memory per detached sleep container, ${round.title}`);
    const prefix = `bench${process.pid}`;
    try {
      for (let i = 0; i < count; i++) {
        mustAsUser(ctx, `${nook} run -d ${round.nook} --name ${prefix}-${i} ${busybox} sleep 1000`);
        mustAsUser(ctx, `podman run -d ${round.podman} --name ${prefix}-${i} ${busybox} sleep 1000`);
      }
      const n = summarize('nook supervisor (+ network helper)', nookSamples(prefix));
      const p = summarize('podman conmon (+ slirp4netns)', podmanSamples(prefix));
      console.log(`  PSS ratio conmon / nook: ${(p / n).toFixed(2)}x`);
    } finally {
      const names = Array.from({ length: count }, (_, i) => `${prefix}-${i}`).join(' ');
      asUser(ctx, `${nook} rm -f ${names} >/dev/null`);
      asUser(ctx, `podman rm -f -t 0 ${names} >/dev/null`);
    }
  }
} finally {
  await teardownFixtures();
}
