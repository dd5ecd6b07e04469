// KEY=VALUE as every flag, filter and option spells it: split once, at the first `=` (a value
// may hold more of them); no `=` at all is a bare KEY, which each caller gives its own meaning.
import { fail } from '../errors.js';

export function splitKeyValue(text: string): [key: string, value: string | undefined] {
  const eq = text.indexOf('=');
  return eq < 0 ? [text, undefined] : [text.slice(0, eq), text.slice(eq + 1)];
}

/** `--label`/`--opt` lists as Docker reads them: a bare KEY is KEY="", an empty KEY is refused. */
export function keyValueRecord(specs: readonly string[], what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of specs) {
    const [key, value] = splitKeyValue(s);
    if (key === '') fail(`invalid ${what} "${s}"`, 'use KEY=VALUE');
    out[key] = value ?? '';
  }
  return out;
}

/** A `--filter NAME=VALUE`: both parts required, as Docker's "bad format" says. */
export function filterKeyValue(text: string): [key: string, value: string] {
  const [key, value] = splitKeyValue(text);
  if (key === '' || value === undefined) fail(`bad format of filter (expected name=value): ${text}`);
  return [key, value];
}
