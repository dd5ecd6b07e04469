// An image of 41 layers (the busybox layer and 40 small ones on top) runs on every storage
// driver: overlay's mount options would overflow a page long before that, which is why the
// launcher adds lower layers one by one (lowerdir+).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addTarLayer, blobPath, initLayout, readLayoutImage, shareBlob, writeImage, type Layer } from '../fixtures/oci-layout.mjs';
import { tarOf } from '../fixtures/tar-entries.mjs';
import { hostRun, nook } from './harness.js';

const LAYERS = 40;
const registry = process.env['NOOK_TEST_REGISTRY'];
const fixtures = process.env['NOOK_TEST_FIXTURES'];
const ref = `${registry}/nook-test/many-layers:latest`;

test.before(async () => {
  assert.ok(registry && fixtures, 'NOOK_TEST_REGISTRY / NOOK_TEST_FIXTURES are not set: run through test/run.mjs');
  const busybox = join(fixtures!, 'busybox');
  const dir = mkdtempSync(join(tmpdir(), 'nook-many-layers-'));
  try {
    await initLayout(dir);
    const { manifest } = await readLayoutImage(busybox);
    const config = JSON.parse(readFileSync(blobPath(busybox, manifest.config.digest), 'utf8'));
    const base = manifest.layers[0];
    await shareBlob(busybox, dir, base.digest);
    const layers: Layer[] = [{ ...base, diffID: config.rootfs.diff_ids[0] }];
    for (let i = 1; i <= LAYERS; i++) {
      const tar = tarOf([[{ name: 'layers/', type: 'dir', mode: 0o755 }], [{ name: `layers/${String(i).padStart(2, '0')}`, mode: 0o644 }, `layer ${i}\n`]]);
      layers.push(await addTarLayer(dir, [tar]));
    }
    await writeImage(dir, { config: config.config, layers, tag: 'latest' });
    const push = await hostRun('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci:${dir}:latest`, `docker://${ref}`], { timeoutMs: 60_000 });
    assert.is(push.code, 0, push.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const driver of ['overlay', 'fuse-overlayfs', 'copy']) {
  test(`${LAYERS + 1} layers on ${driver}`, async () => {
    const r = await nook(['run', '--rm', '--network', 'none', '--storage-driver', driver, ref, 'sh', '-c', 'ls /layers | wc -l; cat /layers/40'], { timeoutMs: 120_000 });
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout, `${LAYERS}\nlayer 40\n`);
  });
}

test.run();
