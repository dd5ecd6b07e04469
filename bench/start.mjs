#!/usr/bin/env node
// Start latency: `nook run --rm IMAGE true`, `nook --version` and `nook ps` next to `node -e 0`,
// bwrap and rootless podman, as the unprivileged bench user. Each group is one hyperfine run,
// so its rows met the same load; the goals (issue 14) compare rows of one group, by median
// wall time and by CPU time (user + system), which other work on the machine disturbs less.
//   node bench/start.mjs [runs]
import { setup, need, hyperfine, report, mustAsUser, setupPodman, benchFixtures } from './lib.mjs';

const runs = Number(process.argv[2] ?? 20);
need('hyperfine', 'bubblewrap');
const ctx = setup();
const nook = `node ${ctx.bin}`;

/** One goal: `value` (ms) against `limit`, by median and by CPU time. */
function goal(title, results, row, base, slack) {
  const verdict = (key) => {
    const over = results[row][key] - results[base][key];
    return `${key} ${over >= 0 ? '+' : ''}${over.toFixed(1)} ms ${over <= slack ? 'met' : 'NOT met'}`;
  };
  console.log(`  goal ${title} (<= ${base} + ${slack} ms): ${verdict('median')}, ${verdict('cpu')}`);
}

const { fx, teardown: teardownFixtures } = await benchFixtures(ctx);
try {
  const busybox = fx.NOOK_TEST_BUSYBOX;
  mustAsUser(ctx, `${nook} pull -q ${busybox}`);
  setupPodman(ctx);
  mustAsUser(ctx, `podman pull -q --tls-verify=false ${busybox} >/dev/null`);

  const host = hyperfine(ctx, {
    'node -e 0': 'node -e 0',
    'nook --version': `${nook} --version`,
    'nook run --rm --network none host true': `${nook} run --rm --network none host true`,
    'nook run --rm host true': `${nook} run --rm host true`,
    'bwrap --unshare-all --ro-bind / / true': 'bwrap --unshare-all --ro-bind / / --proc /proc --dev /dev true',
  }, { runs });
  report(`host image, median of ${runs}`, host, 'node -e 0');
  goal('run --rm --network none host true', host, 'nook run --rm --network none host true', 'node -e 0', 20);
  goal('--version', host, 'nook --version', 'node -e 0', 8);

  const image = hyperfine(ctx, {
    'node -e 0': 'node -e 0',
    'nook run --rm --network none busybox true': `${nook} run --rm --network none ${busybox} true`,
    'nook run --rm busybox true': `${nook} run --rm ${busybox} true`,
    'podman run --rm --network none busybox true': `podman run --rm --network none ${busybox} true`,
    'podman run --rm busybox true': `podman run --rm ${busybox} true`,
  }, { runs });
  report(`busybox image present, median of ${runs}`, image, 'nook run --rm --network none busybox true');
  goal('run --rm --network none busybox true', image, 'nook run --rm --network none busybox true', 'node -e 0', 25);
  goal('default network', image, 'nook run --rm busybox true', 'nook run --rm --network none busybox true', 10);
  const speedup = (net) => image[`podman run --rm${net} busybox true`].median / image[`nook run --rm${net} busybox true`].median;
  console.log(`  podman / nook: ${speedup(' --network none').toFixed(2)}x with --network none, ${speedup('').toFixed(2)}x with the default network`);

  // one detached container each, so ps has a record to read and a process to check
  mustAsUser(ctx, `${nook} run -d --name bench-ps --network none host sleep 600 >/dev/null`);
  mustAsUser(ctx, `podman run -d --name bench-ps --network none ${busybox} sleep 600 >/dev/null`);
  try {
    const ps = hyperfine(ctx, {
      'nook --version': `${nook} --version`,
      'nook ps': `${nook} ps`,
      'podman ps': 'podman ps',
    }, { runs });
    report(`ps with one running container, median of ${runs}`, ps, 'nook --version');
    goal('ps', ps, 'nook ps', 'nook --version', 10);
  } finally {
    mustAsUser(ctx, `${nook} rm -f bench-ps >/dev/null; podman rm -f -t 0 bench-ps >/dev/null`);
  }
} finally {
  await teardownFixtures();
}
