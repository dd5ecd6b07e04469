import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { familiarName, formatReference, parseReference } from '../../src/image/reference.js';

const norm = (s: string) => formatReference(parseReference(s));

test('Docker normalisation', () => {
  assert.is(norm('busybox'), 'docker.io/library/busybox:latest');
  assert.is(norm('debian:bookworm'), 'docker.io/library/debian:bookworm');
  assert.is(norm('someone/app'), 'docker.io/someone/app:latest');
  assert.is(norm('index.docker.io/library/busybox'), 'docker.io/library/busybox:latest');
  assert.is(norm('localhost:5000/x'), 'localhost:5000/x:latest');
  assert.is(norm('localhost/x'), 'localhost/x:latest');
  assert.is(norm('127.0.0.1:5055/a/b:tag'), '127.0.0.1:5055/a/b:tag');
  assert.is(norm('quay.io/org/img:1.2.3-rc_1'), 'quay.io/org/img:1.2.3-rc_1');
  assert.is(norm('[::1]:5000/x'), '[::1]:5000/x:latest');
});

test('digests, with and without a tag', () => {
  const d = 'sha256:' + 'a'.repeat(64);
  const r = parseReference(`busybox@${d}`);
  assert.is(r.tag, undefined);
  assert.is(r.digest, d);
  assert.is(norm(`busybox@${d}`), `docker.io/library/busybox@${d}`);
  assert.is(norm(`localhost:5000/x:1@${d}`), `localhost:5000/x:1@${d}`);
});

test('familiar names for display', () => {
  assert.is(familiarName('docker.io/library/busybox'), 'busybox');
  assert.is(familiarName('docker.io/someone/app'), 'someone/app');
  assert.is(familiarName('docker.io/library/a/b'), 'library/a/b');
  assert.is(familiarName('localhost:5000/x'), 'localhost:5000/x');
});

test('strict validation with one-line errors', () => {
  for (const [bad, why] of [
    ['', /empty image reference/],
    ['Busybox', /lowercase/],
    ['busybox:', /bad tag/],
    ['busybox:-x', /bad tag/],
    ['busybox@sha256:abc', /digest must be sha256/],
    ['busybox@md5:' + 'a'.repeat(32), /digest must be sha256/],
    ['a..b/c', /bad registry host/],
    ['x/a..b', /bad repository name/],
    ['localhost:99999/x', /bad registry port/],
    ['x/-y', /bad repository name/],
    ['a/' + 'b'.repeat(260), /longer than 255/],
  ] as const) {
    try {
      parseReference(bad);
      assert.unreachable(`${bad} should fail`);
    } catch (err) {
      assert.match((err as Error).message, why, bad);
      assert.not.match((err as Error).message, /\n/);
    }
  }
});

test.run();
