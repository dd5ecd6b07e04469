// Parses one config file with cosmiconfig: YAML, JSON, JS/ESM, package.json#nook, $import.
// Imported lazily by load.ts, only once a candidate file exists; load.ts words its errors.
import { cosmiconfig, defaultLoaders } from 'cosmiconfig';

/** The file's config value, or null when it holds none (empty, or package.json without "nook"). */
export async function readConfigFile(path: string): Promise<{ config: unknown } | null> {
  const explorer = cosmiconfig('nook', {
    cache: false,
    // JSON.parse instead of cosmiconfig's parse-json, which pulls in @babel/code-frame.
    loaders: { ...defaultLoaders, '.json': (_file: string, content: string) => JSON.parse(content) as unknown },
  });
  const result = await explorer.load(path);
  if (!result || result.isEmpty) return null;
  return { config: result.config as unknown };
}
