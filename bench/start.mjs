#!/usr/bin/env node
// Start latency: `nook run --rm IMAGE true` next to `node -e 0`, bwrap and rootless podman,
// medians of one hyperfine run each, as the unprivileged bench user.
//   node bench/start.mjs [runs]
import { setup, need, hyperfine, report, mustAsUser, setupPodman, benchFixtures } from './lib.mjs';

const runs = Number(process.argv[2] ?? 20);
need('hyperfine', 'bubblewrap');
const ctx = setup();
const nook = `node ${ctx.bin}`;

const { fx, teardown: teardownFixtures } = await benchFixtures(ctx);
try {
  const busybox = fx.NOOK_TEST_BUSYBOX;
  mustAsUser(ctx, `${nook} pull -q ${busybox}`);
  setupPodman(ctx);
  mustAsUser(ctx, `podman pull -q --tls-verify=false ${busybox} >/dev/null`);

  const host = hyperfine(ctx, {
    'node -e 0': 'node -e 0',
    'nook run --rm host true': `${nook} run --rm host true`,
    'nook run --rm --network none host true': `${nook} run --rm --network none host true`,
    'bwrap --unshare-all --ro-bind / / true': 'bwrap --unshare-all --ro-bind / / --proc /proc --dev /dev true',
  }, { runs });
  report(`host image, median of ${runs} (goal: nook within 10 ms of node -e 0)`, host, 'node -e 0');
  console.log(`  nook - node: ${(host['nook run --rm host true'].median - host['node -e 0'].median).toFixed(1)} ms`);

  const image = hyperfine(ctx, {
    'nook run --rm busybox true': `${nook} run --rm ${busybox} true`,
    'nook run --rm --network none busybox true': `${nook} run --rm --network none ${busybox} true`,
    'podman run --rm --network none busybox true': `podman run --rm --network none ${busybox} true`,
  }, { runs });
  report(`busybox image present, median of ${runs} (goal: nook <= 40 ms and >= 3.5x faster than podman)`, image, 'nook run --rm busybox true');
  const speedup = image['podman run --rm --network none busybox true'].median / image['nook run --rm --network none busybox true'].median;
  console.log(`  podman / nook, both --network none: ${speedup.toFixed(2)}x`);
} finally {
  await teardownFixtures();
}
