// The one assertion for user errors: fn throws a NookError whose one-line text matches.
import * as assert from 'uvu/assert';
import { NookError } from '../../src/errors.js';

/** The message with its hint, for patterns that check the fix a message names. */
export const withHint = (e: NookError): string => `${e.message} (${e.hint ?? ''})`;

export function throwsNook(fn: () => unknown, pattern: RegExp, text: (e: NookError) => string = (e) => e.message): NookError {
  try {
    fn();
  } catch (err) {
    assert.instance(err, NookError);
    const e = err as NookError;
    assert.match(text(e), pattern);
    assert.not.match(e.message, /\n/);
    return e;
  }
  assert.unreachable(`expected a NookError matching ${pattern}`);
  throw new Error('unreachable');
}
