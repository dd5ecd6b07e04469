#!/usr/bin/env node
// Network: iperf3 throughput container->host and host->container through pasta and
// slirp4netns, each as a ratio to the same transfer over the host's loopback without a
// container; start latency of `run --rm host true` with the default network (and with none,
// to show the helper's share); resident memory of the helper per detached container.
// As root it measures as the unprivileged bench user, like the other benchmarks.
// Usage: node bench/network.mjs [SECONDS per transfer, default 5]
import { readFileSync, readdirSync } from 'node:fs';
import { need, setup, asUser, mustAsUser, hyperfine, report } from './lib.mjs';

const SECONDS = Number(process.argv[2] ?? 5);
const PORT = 15201;
const HELPERS = ['pasta', 'slirp4netns'];

need('iperf3', 'passt', 'slirp4netns', 'hyperfine');
const ctx = setup();
const nook = `node ${ctx.bin}`;

/** One iperf3 transfer against a one-shot server on the host's 127.0.0.1; bits per second received. */
function transfer(client, reverse) {
  const json = mustAsUser(ctx, `iperf3 -s -1 -B 127.0.0.1 -p ${PORT} >/dev/null 2>&1 & sleep 0.3; ${client} -p ${PORT} -t ${SECONDS} -J ${reverse ? '-R' : ''}; wait`);
  return JSON.parse(json.slice(json.indexOf('{'))).end.sum_received.bits_per_second;
}

const gbit = (bps) => `${(bps / 1e9).toFixed(2)} Gbit/s`;
const loop = { up: transfer('iperf3 -c 127.0.0.1', false), down: transfer('iperf3 -c 127.0.0.1', true) };
console.log(`\niperf3, ${SECONDS} s each (ratio to the host's loopback without a container)`);
console.log(`  ${''.padEnd(36)} ${'container->host'.padStart(16)} ${'host->container'.padStart(16)}`);
console.log(`  ${'loopback, no container'.padEnd(36)} ${gbit(loop.up).padStart(16)} ${gbit(loop.down).padStart(16)}`);
for (const helper of HELPERS) {
  // The server is on the host's loopback: the documented option opens it to the container.
  const client = `${nook} run --rm --network ${helper} --network-option allow_host_loopback=true --add-host hostgw:host-gateway host iperf3 -c hostgw`;
  const up = transfer(client, false);
  const down = transfer(client, true);
  console.log(`  ${helper.padEnd(36)} ${gbit(up).padStart(16)} ${gbit(down).padStart(16)}   ${(up / loop.up).toFixed(2)}x / ${(down / loop.down).toFixed(2)}x`);
}

report('start latency, run --rm host true (median)', hyperfine(ctx, {
  'default network (auto: pasta)': `${nook} run --rm host true`,
  'slirp4netns': `${nook} run --rm --network slirp4netns host true`,
  'none': `${nook} run --rm --network none host true`,
}, { runs: 20, warmup: 3 }), 'none');

/** The bench user's helper processes and their resident memory. */
function helperRss(uid) {
  const found = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
      if (Number(/^Uid:\s+(\d+)/m.exec(status)[1]) !== uid || !/(pasta|passt|slirp4netns)/.test(cmd)) continue;
      found.push({ cmd, kb: Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0) });
    } catch {
      // ended meanwhile
    }
  }
  return found;
}

console.log('\nnetwork helper memory per detached container (VmRSS)');
const uid = ctx.uid ?? process.getuid();
for (const helper of HELPERS) {
  const id = mustAsUser(ctx, `${nook} run -d --network ${helper} -p 127.0.0.1::80 host sleep 60`).trim();
  try {
    const rss = helperRss(uid);
    console.log(`  ${helper.padEnd(36)} ${rss.map((r) => `${(r.kb / 1024).toFixed(1)} MiB`).join(' + ') || 'not found'}`);
  } finally {
    asUser(ctx, `${nook} rm -f ${id}`);
  }
}
