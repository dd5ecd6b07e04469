// The one KEY=VALUE split, and the two ways flags read it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { filterKeyValue, keyValueRecord, splitKeyValue } from '../../src/util/key-value.js';
import { throwsNook } from './assert-nook.js';

test('splitKeyValue: at the first =, a bare key has no value', () => {
  assert.equal(splitKeyValue('a=b=c'), ['a', 'b=c']);
  assert.equal(splitKeyValue('a='), ['a', '']);
  assert.equal(splitKeyValue('=b'), ['', 'b']);
  assert.equal(splitKeyValue('label'), ['label', undefined]);
});

test('keyValueRecord: a bare KEY is empty, an empty KEY refused', () => {
  assert.equal(keyValueRecord(['a=1', 'b', 'c=x=y'], 'label'), { a: '1', b: '', c: 'x=y' });
  throwsNook(() => keyValueRecord(['=1'], 'label'), /^invalid label "=1"$/);
});

test('filterKeyValue: both parts, or the bad-format error (container prune cut the last letter of a bare filter)', () => {
  assert.equal(filterKeyValue('label=a=b'), ['label', 'a=b']);
  throwsNook(() => filterKeyValue('label'), /^bad format of filter \(expected name=value\): label$/);
  throwsNook(() => filterKeyValue('=x'), /^bad format of filter \(expected name=value\): =x$/);
});

test.run();
