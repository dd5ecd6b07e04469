// Turns a loaded config value into a typed NookConfig, or into one error line that names the
// file, the key path and the bad value:
//   config /home/a/.nookrc.yaml: network: expected one of none|host|pasta|slirp4netns, got "bridge"
import * as v from 'valibot';
import { NookError } from '../errors.js';
import { configSchema, type NookConfig } from './schema.js';

type Issue = v.InferIssue<typeof configSchema>;
type Schema = v.GenericSchema & Record<string, unknown>;

/** `registries.mirrors["docker.io"][0]`: dotted keys, quoted when they are not identifiers. */
export function keyPath(keys: ReadonlyArray<unknown>): string {
  let out = '';
  for (const key of keys) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(String(key))) out += out ? `.${String(key)}` : String(key);
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/** The keys a strict object at `keys` accepts, found by walking the schema. */
function knownKeys(keys: ReadonlyArray<unknown>): string[] {
  let schema = configSchema as unknown as Schema;
  const unwrap = (s: Schema): Schema => (s['type'] === 'optional' ? unwrap(s['wrapped'] as Schema) : s);
  for (const key of keys) {
    schema = unwrap(schema);
    const entries = schema['entries'] as Record<string, Schema> | undefined;
    const next = entries?.[String(key)] ?? (schema['value'] as Schema | undefined) ?? (schema['item'] as Schema | undefined);
    if (!next) return [];
    schema = next;
  }
  const entries = unwrap(schema)['entries'] as Record<string, unknown> | undefined;
  return entries ? Object.keys(entries) : [];
}

/** One line for the first problem found (the user fixes one at a time anyway). */
export function describeIssue(issue: Issue): string {
  const keys = (issue.path ?? []).map((item) => item.key);
  const where = keyPath(keys);
  const unknownKey = issue.type === 'strict_object' && issue.path?.at(-1)?.origin === 'key';
  if (unknownKey) {
    const known = knownKeys(keys.slice(0, -1));
    return `${where}: unknown key (known keys: ${known.join(', ')})`;
  }
  const text = `expected ${issue.message}, got ${issue.received}`;
  return where ? `${where}: ${text}` : text;
}

export function validateConfig(raw: unknown, file: string): NookConfig {
  const result = v.safeParse(configSchema, raw, { abortEarly: true });
  if (result.success) return result.output;
  throw new NookError(`config ${file}: ${describeIssue(result.issues[0])}`);
}
