#!/usr/bin/env node
// Network, nook next to rootless podman with the same helpers, in one run:
//  - iperf3 through a published port (server in the container, client on the host's
//    loopback: host->container, and -R for container->host), and the outbound path (client in
//    the container, server on the host's loopback reached through the helper's gateway), each
//    as a ratio to the same transfer over the host's loopback without a container;
//  - start latency of `run --rm BUSYBOX true` with the default network, slirp4netns and none;
//  - the processes a detached container with published TCP and UDP ports keeps beside its
//    workload (helper, forwarder, supervisor), with their resident memory.
// As root it measures as the unprivileged bench user, like the other benchmarks.
// Usage: node bench/network.mjs [SECONDS per transfer, default 3]
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { need, setup, setupPodman, asUser, mustAsUser, hyperfine, report, benchFixtures, median } from './lib.mjs';

const SECONDS = Number(process.argv[2] ?? 3);
const REPEAT = 3; // transfers on a 2-core machine vary by a third from run to run: medians
const PORT = 15201;
const PUBLISHED = 15202;

need('iperf3', 'passt', 'slirp4netns', 'hyperfine', 'busybox-static');
const ctx = setup();
const nook = `node ${ctx.bin}`;
setupPodman(ctx);

/** A podman image holding the host's iperf3 (with its libraries) and busybox: no registry needed. */
function podmanIperfImage() {
  const dir = mkdtempSync('/tmp/nook-bench-iperf-');
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const root = join(dir, 'root');
  const libs = execFileSync('ldd', ['/usr/bin/iperf3'], { encoding: 'utf8' }).match(/\/\S+/g) ?? [];
  for (const file of ['/usr/bin/iperf3', '/bin/busybox', ...libs]) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    copyFileSync(file, join(root, file));
  }
  for (const applet of ['sh', 'sleep', 'true']) symlinkSync('busybox', join(root, 'bin', applet));
  mkdirSync(join(root, 'etc'));
  mkdirSync(join(root, 'tmp'), { mode: 0o1777 }); // iperf3 makes its stream buffers there
  chmodSync(join(root, 'tmp'), 0o1777);
  writeFileSync(join(root, 'etc', 'passwd'), 'root:x:0:0:root:/:/bin/sh\n');
  execFileSync('chmod', ['-R', 'a+rX', dir]);
  execFileSync('tar', ['--owner=0', '--group=0', '-C', root, '-cf', join(dir, 'image.tar'), '.']);
  if (ctx.user) chownSync(join(dir, 'image.tar'), ctx.uid, ctx.gid);
  mustAsUser(ctx, `podman import -q ${join(dir, 'image.tar')} localhost/nook-bench-iperf3:latest >/dev/null`);
  return 'localhost/nook-bench-iperf3:latest';
}
const podmanImage = podmanIperfImage();

/** Received bits per second, the median of REPEAT iperf3 client runs (retried while the server starts). */
function client(command, reverse) {
  return median(Array.from({ length: REPEAT }, () => clientOnce(command, reverse)));
}

function clientOnce(command, reverse) {
  for (let attempt = 0; ; attempt++) {
    const r = asUser(ctx, `${command} -t ${SECONDS} -J ${reverse ? '-R' : ''}`);
    // a forwarder may accept before the server inside listens: iperf3 then reports an error
    const received = r.status === 0 ? JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))).end?.sum_received : undefined;
    if (received) return received.bits_per_second;
    if (attempt === 20) throw new Error(`iperf3 failed: ${command}: ${/"error":\s*"([^"]*)"/.exec(r.stdout)?.[1] ?? r.stderr}`);
    asUser(ctx, 'sleep 0.25');
  }
}

/** Both directions against a one-shot server on the host's 127.0.0.1, medians of REPEAT. */
function outbound(clientCommand) {
  const one = (reverse) => {
    const server = `iperf3 -s -1 -B 127.0.0.1 -p ${PORT} >/dev/null 2>&1 & sleep 0.3`;
    const json = mustAsUser(ctx, `${server}; ${clientCommand} -p ${PORT} -t ${SECONDS} -J ${reverse ? '-R' : ''}; wait`);
    return JSON.parse(json.slice(json.indexOf('{'))).end.sum_received.bits_per_second;
  };
  const runs = (reverse) => median(Array.from({ length: REPEAT }, () => one(reverse)));
  return { up: runs(false), down: runs(true) };
}

/** Both directions through the published port: sending to the container, then -R. */
function throughPublished() {
  const c = `iperf3 -c 127.0.0.1 -p ${PUBLISHED}`;
  return { down: client(c, false), up: client(c, true) };
}

/** Both directions through a port published by a detached container running `iperf3 -s`. */
function published(engine, runOptions, image) {
  const id = mustAsUser(ctx, `${engine} run -d ${runOptions} -p 127.0.0.1:${PUBLISHED}:5201 ${image} iperf3 -s`).trim().split('\n').at(-1);
  try {
    return throughPublished();
  } finally {
    asUser(ctx, `${engine} rm -f ${id}`);
  }
}

/**
 * Podman 4.3 has no --network pasta (4.4+): pasta attached by pid to a --network none
 * container, publishing the port itself, is what a newer podman runs.
 */
function podmanWithPasta(image) {
  const id = mustAsUser(ctx, `podman run -d --network none ${image} iperf3 -s`).trim().split('\n').at(-1);
  let helper;
  try {
    const pid = mustAsUser(ctx, `podman inspect --format '{{.State.Pid}}' ${id}`).trim();
    helper = mustAsUser(ctx, `pasta --config-net --foreground --quiet -t 127.0.0.1/${PUBLISHED}:5201 -u none -T none -U none --no-map-gw ${pid} >/dev/null 2>&1 & echo $!`).trim();
    return throughPublished();
  } finally {
    if (helper) asUser(ctx, `kill ${helper}`);
    asUser(ctx, `podman rm -f ${id}`);
  }
}

const gbit = (bps) => `${(bps / 1e9).toFixed(2)} Gbit/s`;
const loop = outbound('iperf3 -c 127.0.0.1');
const row = (name, r) => console.log(`  ${name.padEnd(48)} ${gbit(r.up).padStart(14)} ${(r.up / loop.up).toFixed(2).padStart(5)}x ${gbit(r.down).padStart(14)} ${(r.down / loop.down).toFixed(2).padStart(5)}x`);
const header = (title) => {
  console.log(`\n${title}`);
  console.log(`  ${''.padEnd(48)} ${'container->host'.padStart(21)} ${'host->container'.padStart(21)}`);
};

header(`iperf3 through a published port, median of ${REPEAT} x ${SECONDS} s, ratio to the host's loopback (goal: >= 0.5x both ways)`);
row('loopback, no container', loop);
row('nook, pasta', published(nook, '--network pasta', 'host'));
row('nook, slirp4netns (+ nook forwarder)', published(nook, '--network slirp4netns', 'host'));
row('podman, slirp4netns (+ rootlessport, its default)', published('podman', '--network slirp4netns:port_handler=rootlesskit', podmanImage));
row('podman, slirp4netns port_handler=slirp4netns', published('podman', '--network slirp4netns:port_handler=slirp4netns', podmanImage));
const podmanPasta = asUser(ctx, `podman run --rm --network pasta ${podmanImage} true`);
if (podmanPasta.status === 0) row('podman, pasta', published('podman', '--network pasta', podmanImage));
else row('podman + pasta (attached by pid)', podmanWithPasta(podmanImage));

header('iperf3 from the container to a server on the host\'s loopback, through the helper\'s gateway');
row('loopback, no container', loop);
for (const helper of ['pasta', 'slirp4netns']) {
  row(`nook, ${helper}`, outbound(`${nook} run --rm --network ${helper} --network-option allow_host_loopback=true --add-host hostgw:host-gateway host iperf3 -c hostgw`));
}
row('podman, slirp4netns', outbound(`podman run --rm --network slirp4netns:allow_host_loopback=true ${podmanImage} iperf3 -c 10.0.2.2`));

const { fx, teardown: teardownFixtures } = await benchFixtures(ctx);
try {
  const busybox = fx.NOOK_TEST_BUSYBOX;
  mustAsUser(ctx, `${nook} pull -q ${busybox}`);
  mustAsUser(ctx, `podman pull -q --tls-verify=false ${busybox} >/dev/null`);
  report('start latency, run --rm BUSYBOX true, median of 20 (goal: default network <= 60 ms)', hyperfine(ctx, {
    'node -e 0': 'node -e 0',
    'nook, default network (pasta)': `${nook} run --rm ${busybox} true`,
    'nook, slirp4netns': `${nook} run --rm --network slirp4netns ${busybox} true`,
    'nook, none': `${nook} run --rm --network none ${busybox} true`,
    'podman, default network (slirp4netns)': `podman run --rm ${busybox} true`,
    'podman, none': `podman run --rm --network none ${busybox} true`,
  }, { runs: 20, warmup: 3 }), 'nook, none');
} finally {
  await teardownFixtures();
}

/** pid -> { comm, args, kb } of the bench user's processes. */
function processes() {
  const out = new Map();
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      if (Number(/^Uid:\s+(\d+)/m.exec(status)[1]) !== (ctx.uid ?? process.getuid())) continue;
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      out.set(pid, { comm: /^Name:\s+(\S+)/m.exec(status)[1], args, kb: Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0) });
    } catch {
      // ended meanwhile
    }
  }
  return out;
}

console.log('\nprocesses beside the workload of one detached container publishing a TCP and a UDP port (VmRSS)');
const WORKLOAD = 'sleep';
for (const [name, engine, options, image] of [
  ['nook, pasta', nook, '--network pasta', 'host'],
  ['nook, slirp4netns', nook, '--network slirp4netns', 'host'],
  ['podman, slirp4netns', 'podman', '--network slirp4netns', podmanImage],
]) {
  const before = processes();
  const id = mustAsUser(ctx, `${engine} run -d ${options} -p 127.0.0.1::80 -p 127.0.0.1::53/udp ${image} ${WORKLOAD} 60`).trim().split('\n').at(-1);
  try {
    asUser(ctx, 'sleep 0.5');
    const added = [...processes()].filter(([pid, p]) => !before.has(pid) && p.comm !== WORKLOAD && p.comm !== 'catatonit');
    const total = added.reduce((sum, [, p]) => sum + p.kb, 0);
    const list = added.map(([, p]) => `${p.comm} ${(p.kb / 1024).toFixed(1)}`).join(' + ');
    console.log(`  ${name.padEnd(24)} ${(total / 1024).toFixed(1).padStart(6)} MiB = ${list} (MiB)`);
  } finally {
    asUser(ctx, `${engine} rm -f ${id}`);
  }
}
mustAsUser(ctx, `podman rmi -f ${podmanImage} >/dev/null`);
