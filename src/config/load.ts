// Finds and loads the config file. This runs on every `nook run`, so the common case (no config
// file anywhere) must cost next to nothing: the candidates are probed with stat, and cosmiconfig
// (11-18 ms to import, and its own search another 8-14 ms) is imported only once a file exists.
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import * as v from 'valibot';
import { NookError } from '../errors.js';
import { configHome } from '../paths.js';
import { validateConfig } from './validate.js';
import { configSchema, type NookConfig } from './schema.js';
import { configCandidates, SYSTEM_CONFIG_DIR, type SearchRoots } from './sources.js';

export interface FoundConfig {
  config: NookConfig;
  /** null when no file was found and only the defaults apply */
  filepath: string | null;
}

export function searchRoots(cwd: string): SearchRoots {
  return { cwd, home: homedir(), userDir: configHome(), systemDir: SYSTEM_CONFIG_DIR };
}

/** package.json counts only when it has a "nook" key; a broken one is npm's problem, not ours. */
function mayHoldConfig(path: string): boolean {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st?.isFile()) return false;
  if (!path.endsWith('/package.json')) return true;
  try {
    const pkg: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return typeof pkg === 'object' && pkg !== null && Object.hasOwn(pkg, 'nook');
  } catch {
    return false;
  }
}

/** One line for a file that cannot be parsed, with the position where the parser gives one. */
function unreadable(path: string, err: unknown): NookError {
  const e = err as { reason?: string; mark?: { line: number; column: number }; message?: string };
  if (e.reason && e.mark) {
    return new NookError(`config ${path}: YAML syntax error at line ${e.mark.line + 1}, column ${e.mark.column + 1}: ${e.reason}`);
  }
  const first = String(e.message ?? err).split('\n').find((l) => l.trim() !== '') ?? String(err);
  return new NookError(`config ${path}: ${err instanceof SyntaxError ? 'syntax error' : 'cannot load'}: ${first}`);
}

async function readCandidate(path: string): Promise<{ config: unknown } | null> {
  const { readConfigFile } = await import('./read-file.js');
  try {
    return await readConfigFile(path);
  } catch (err) {
    throw unreadable(path, err);
  }
}

export async function findConfig(cwd: string = process.cwd()): Promise<FoundConfig> {
  for (const path of configCandidates(searchRoots(cwd))) {
    if (!mayHoldConfig(path)) continue;
    const loaded = await readCandidate(path);
    if (loaded) return { config: validateConfig(loaded.config, path), filepath: path };
  }
  return { config: v.parse(configSchema, {}), filepath: null };
}

/** The effective configuration: the first config file found, validated, defaults filled. */
export async function loadConfig(cwd: string = process.cwd()): Promise<NookConfig> {
  return (await findConfig(cwd)).config;
}
