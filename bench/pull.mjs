#!/usr/bin/env node
// Pull throughput of the Debian fixture from the local registry, fresh store each time:
// nook pull next to `podman pull` (overlay store) and `skopeo copy` to a dir, medians of N.
//   node bench/pull.mjs [runs]
import { statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setup, need, mustAsUser, setupPodman, benchFixtures, median } from './lib.mjs';

const runs = Number(process.argv[2] ?? 5);
need('skopeo');
const ctx = setup();
setupPodman(ctx);
const { fx, teardown: teardownFixtures } = await benchFixtures(ctx);

function compressedBytes(layout) {
  let n = 0;
  for (const f of readdirSync(join(layout, 'blobs', 'sha256'))) n += statSync(join(layout, 'blobs', 'sha256', f)).size;
  return n;
}

function timed(cmd) {
  const out = mustAsUser(ctx, `s=$(date +%s%N); ${cmd} >/dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000000 ))`);
  return Number(out.trim().split('\n').at(-1));
}

try {
  const ref = fx.NOOK_TEST_DEBIAN;
  const bytes = compressedBytes(join(fx.NOOK_TEST_FIXTURES, 'debian'));
  const tools = {
    nook: (d) => `XDG_DATA_HOME=${d} node ${ctx.bin} pull -q ${ref}`,
    'podman pull (overlay)': (d) => `podman --root ${d}/podman --runroot ${d}/run --storage-driver overlay pull -q --tls-verify=false ${ref}`,
    'skopeo copy to dir': (d) => `skopeo copy -q --src-tls-verify=false docker://${ref} dir:${d}/copy`,
  };
  const results = {};
  for (const [name, cmd] of Object.entries(tools)) {
    const times = [];
    for (let i = 0; i < runs; i++) {
      const d = mustAsUser(ctx, 'mktemp -d /tmp/nook-pull-XXXX').trim();
      times.push(timed(cmd(d)));
      mustAsUser(ctx, `podman unshare rm -rf ${d} 2>/dev/null || rm -rf ${d}`);
    }
    results[name] = median(times);
  }
  console.log(`\npull of the Debian fixture (${(bytes / 1e6).toFixed(1)} MB compressed), fresh store, median of ${runs} (goal: nook >= 2.4x podman's rate)`);
  for (const [name, ms] of Object.entries(results)) {
    const rate = bytes / 1e6 / (ms / 1000);
    console.log(`  ${name.padEnd(24)} ${String(ms).padStart(6)} ms  ${rate.toFixed(1).padStart(6)} MB/s  ${(results['podman pull (overlay)'] / ms).toFixed(2)}x podman's rate`);
  }
} finally {
  await teardownFixtures();
}
