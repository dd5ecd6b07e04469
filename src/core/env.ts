// The container's environment: Docker's precedence (image, then --env-file, then -e) and
// its defaults (PATH, HOSTNAME, HOME, TERM with a tty). Pure.
import { fail } from '../errors.js';
import { splitKeyValue } from '../util/key-value.js';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** `KEY=VALUE` lines; `KEY` alone takes the caller's value (or is dropped); # comments. */
export function parseEnvFile(text: string, file: string, hostEnv: Record<string, string | undefined>): string[] {
  const out: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/^\s+/, '').replace(/\r$/, '');
    if (!line || line.startsWith('#')) return;
    const entry = parseEnvEntry(line, hostEnv, `${file}:${i + 1}`);
    if (entry) out.push(entry);
  });
  return out;
}

export function parseEnvEntry(entry: string, hostEnv: Record<string, string | undefined>, where = '-e'): string | undefined {
  const [key, value] = splitKeyValue(entry);
  if (!key || /\s/.test(key)) fail(`invalid environment variable "${entry}" (${where})`, 'use KEY=VALUE');
  if (value !== undefined) return entry;
  const v = hostEnv[key];
  return v === undefined ? undefined : `${key}=${v}`;
}

export function buildEnv(layers: { image: string[]; files: string[]; flags: string[]; defaults: Record<string, string> }): string[] {
  const env = new Map<string, string>();
  for (const e of [...layers.image, ...layers.files, ...layers.flags]) {
    // an image's entry without `=` names no value: it sets nothing (it used to set its name
    // less the last letter to itself)
    const [key, value] = splitKeyValue(e);
    if (value !== undefined) env.set(key, value);
  }
  for (const [k, v] of Object.entries(layers.defaults)) if (!env.has(k)) env.set(k, v);
  return [...env].map(([k, v]) => `${k}=${v}`);
}
