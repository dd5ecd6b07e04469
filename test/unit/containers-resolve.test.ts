// Naming a container as Docker does (full id, exact name, unique prefix) over a throw-away
// store, and the listing's tolerance of broken records.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { throwsNook } from './assert-nook.js';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listContainers, resolveContainer, resolveContainerId } from '../../src/containers/state.js';

const root = mkdtempSync(join(tmpdir(), 'nook-resolve-'));
const saved = process.env['XDG_DATA_HOME'];
const A = 'abc1' + '0'.repeat(60);
const B = 'abc2' + '0'.repeat(60);
const C = 'f00d' + '1'.repeat(60);

function container(id: string, name: string, created: string, extra = ''): void {
  const dir = join(root, 'nook', 'containers', id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), extra || JSON.stringify({ id, name, image: 'busybox', created, command: ['true'] }));
  mkdirSync(join(root, 'nook', 'names'), { recursive: true });
  symlinkSync(id, join(root, 'nook', 'names', name));
}

test.before(() => {
  process.env['XDG_DATA_HOME'] = root;
  container(A, 'web', '2024-01-01T00:00:01Z');
  container(B, 'db', '2024-01-01T00:00:02Z');
  // a name that looks like another container's id prefix: names win over prefixes
  container(C, 'abc1', '2024-01-01T00:00:03Z');
  // a torn config is no container at all
  const broken = '9'.repeat(64);
  mkdirSync(join(root, 'nook', 'containers', broken), { recursive: true });
  writeFileSync(join(root, 'nook', 'containers', broken, 'config.json'), '{"id":');
});
test.after(() => {
  if (saved === undefined) delete process.env['XDG_DATA_HOME'];
  else process.env['XDG_DATA_HOME'] = saved;
  rmSync(root, { recursive: true, force: true });
});


test('full id, name (with or without a slash), unique prefix', () => {
  assert.is(resolveContainerId(A), A);
  assert.is(resolveContainerId('web'), A);
  assert.is(resolveContainerId('/db'), B);
  assert.is(resolveContainerId('f00'), C);
  assert.is(resolveContainerId('abc2'), B);
});

test('an exact name beats an id prefix', () => {
  assert.is(resolveContainerId('abc1'), C);
});

test('ambiguous prefix and unknown names are Docker\'s errors', () => {
  throwsNook(() => resolveContainerId('abc'), /^Multiple IDs found with provided prefix: abc$/);
  throwsNook(() => resolveContainerId('nope'), /^No such container: nope$/);
  throwsNook(() => resolveContainerId(''), /^No such container: $/);
  throwsNook(() => resolveContainerId('../names'), /^No such container/);
});

test('a container without state.json reads as created; listing is newest first and skips broken records', () => {
  assert.is(resolveContainer('web').state.status, 'created');
  assert.equal(listContainers().map((c) => c.config.name), ['abc1', 'db', 'web']);
});

test.run();
