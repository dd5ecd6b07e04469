// Generated names: never one a container holds now (a hundred containers made a clash, and
// so a failed `run`, likely among 25,600 names).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateName, NAME_PATTERN } from '../../src/containers/names.js';

test('a generated name skips the names that are taken', () => {
  const seen: string[] = [];
  // the first five candidates are taken, whatever they are
  const name = generateName((n) => { seen.push(n); return seen.length <= 5; });
  assert.is(seen.length, 6);
  assert.is(name, seen[5]);
  assert.ok(NAME_PATTERN.test(name), name);
});

test('with every name taken it still ends (the reservation then reports the conflict)', () => {
  let tries = 0;
  const name = generateName(() => { tries++; return true; });
  assert.is(tries, 65);
  assert.ok(NAME_PATTERN.test(name));
});

test.run();
