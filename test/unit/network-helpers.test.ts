// Helper detection: the real installed helpers' --help, cached by path, mtime and size.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectHelpers } from '../../src/network/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'nook-net-helpers-'));
const file = join(dir, 'nook', 'net-helpers.json');

test('detects the installed helpers and their options from --help', () => {
  const found = detectHelpers(file);
  // Debian 12 with passt and slirp4netns, as the test set-up installs them
  assert.ok(found.pasta, 'pasta not found');
  assert.ok(found.slirp4netns, 'slirp4netns not found');
  for (const o of ['config-net', 'no-map-gw', 'tcp-ns', 'udp-ns', 'mtu', 'pid', 'foreground']) assert.ok(found.pasta.options.includes(o), `pasta --${o}`);
  for (const o of ['configure', 'ready-fd', 'disable-host-loopback', 'api-socket', 'mtu']) assert.ok(found.slirp4netns.options.includes(o), `slirp4netns --${o}`);
});

test('a second detection reads the cache instead of asking the helper again', () => {
  const cache = JSON.parse(readFileSync(file, 'utf8'));
  cache.helpers.pasta.options = ['from-the-cache'];
  writeFileSync(file, JSON.stringify(cache));
  assert.equal(detectHelpers(file).pasta!.options, ['from-the-cache']);
});

test('a changed binary (another size or mtime) is asked again', () => {
  const cache = JSON.parse(readFileSync(file, 'utf8'));
  cache.helpers.pasta.size += 1;
  writeFileSync(file, JSON.stringify(cache));
  assert.ok(detectHelpers(file).pasta!.options.includes('no-map-gw'));
  assert.ok(JSON.parse(readFileSync(file, 'utf8')).helpers.pasta.options.includes('no-map-gw'));
});

test('a damaged cache is rebuilt', () => {
  writeFileSync(file, '{not json');
  assert.ok(detectHelpers(file).slirp4netns!.options.includes('ready-fd'));
  assert.is(JSON.parse(readFileSync(file, 'utf8')).version, 1);
});

test.run();
