// Parses one config file's text as data: JSON, YAML (also a name without an extension), or the
// "nook" key of a package.json. Nothing in a config file is ever run or followed to another
// file (cosmiconfig ran nook.config.js and resolved `$import`). Imported lazily by load.ts,
// only once a file holding a config is found; load.ts words its errors.
import { load as loadYaml } from 'js-yaml';

export function parseConfigText(path: string, text: string): unknown {
  if (path.endsWith('/package.json')) return (JSON.parse(text) as { nook: unknown }).nook;
  return path.endsWith('.json') ? (JSON.parse(text) as unknown) : loadYaml(text, { filename: path });
}
