// Parses one config file as data: JSON, YAML (also a name without an extension), or the
// "nook" key of a package.json. Nothing in a config file is ever run or followed to another
// file (cosmiconfig ran nook.config.js and resolved `$import`). Imported lazily by load.ts,
// only once a candidate file exists; load.ts words its errors.
import { readFileSync } from 'node:fs';
import { load as loadYaml } from 'js-yaml';

/** The file's config value, or null when it holds none (blank, or package.json without "nook"). */
export function readConfigFile(path: string): { config: unknown } | null {
  const text = readFileSync(path, 'utf8');
  if (path.endsWith('/package.json')) {
    const pkg = JSON.parse(text) as unknown;
    return typeof pkg === 'object' && pkg !== null && Object.hasOwn(pkg, 'nook') ? { config: (pkg as { nook: unknown }).nook } : null;
  }
  if (text.trim() === '') return null;
  return { config: path.endsWith('.json') ? (JSON.parse(text) as unknown) : loadYaml(text, { filename: path }) };
}
