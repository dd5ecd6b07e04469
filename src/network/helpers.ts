// Which network helpers are installed and what their versions can do. Versions differ (Debian
// 12: pasta 2023-03 reports "unknown version", slirp4netns 1.2), so features come from their
// `--help`, never from a version number. Running `--help` costs a few ms per helper, so the
// result is cached in $XDG_CACHE_HOME/nook/net-helpers.json, keyed by each binary's
// path, mtime and size: an upgrade changes them and the helper is asked again.
import { childProcess } from '../util/lazy-require.js';
import { readFileSync, statSync } from 'node:fs';
import { cacheHome } from '../paths.js';
import { join } from 'node:path';
import { writeJsonAtomic } from '../storage/atomic.js';

export type HelperName = 'pasta' | 'slirp4netns';
export const HELPER_NAMES: readonly HelperName[] = ['pasta', 'slirp4netns'];

export interface HelperInfo {
  path: string;
  /** the long options its --help lists, without the leading dashes */
  options: string[];
}

export type InstalledHelpers = Partial<Record<HelperName, HelperInfo>>;

interface CacheEntry extends HelperInfo { mtimeMs: number; size: number }
interface CacheFile { version: 1; helpers: Record<string, CacheEntry> }

const SEARCH_DIRS = ['/usr/local/bin', '/usr/bin', '/bin', '/usr/local/sbin', '/usr/sbin', '/sbin'];

export function cacheFile(): string {
  return join(cacheHome(), 'net-helpers.json');
}

/** The long option names in a --help text (`--ready-fd=FD`, `--no-map-gw`, `-t, --tcp-ports`). */
export function parseHelpOptions(help: string): string[] {
  const found = new Set<string>();
  for (const m of help.matchAll(/(?:^|[\s,])--([a-z0-9][a-z0-9-]*)/gm)) found.add(m[1]!);
  return [...found].sort();
}

function locate(name: string): { path: string; mtimeMs: number; size: number } | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(':').filter((d) => d.startsWith('/')), ...SEARCH_DIRS];
  for (const dir of new Set(dirs)) {
    const path = join(dir, name);
    try {
      const st = statSync(path);
      if (st.isFile() && (st.mode & 0o111) !== 0) return { path, mtimeMs: st.mtimeMs, size: st.size };
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

function askHelp(path: string): string[] {
  // pasta prints its help on stderr (with syslog complaints mixed in), slirp4netns on stdout.
  const r = childProcess().spawnSync(path, ['--help'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'pipe'] });
  return parseHelpOptions(`${r.stdout ?? ''}\n${r.stderr ?? ''}`);
}

function readCache(file: string): CacheFile {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as CacheFile;
    if (parsed.version === 1 && typeof parsed.helpers === 'object' && parsed.helpers !== null) return parsed;
  } catch {
    // missing or damaged: rebuilt below
  }
  return { version: 1, helpers: {} };
}

/** The installed helpers and their options; spawns `--help` only for binaries not seen before. */
export function detectHelpers(file = cacheFile()): InstalledHelpers {
  const cache = readCache(file);
  const found: InstalledHelpers = {};
  let changed = false;
  for (const name of HELPER_NAMES) {
    const bin = locate(name);
    if (!bin) {
      if (cache.helpers[name]) {
        delete cache.helpers[name];
        changed = true;
      }
      continue;
    }
    let entry = cache.helpers[name];
    if (!entry || entry.path !== bin.path || entry.mtimeMs !== bin.mtimeMs || entry.size !== bin.size) {
      entry = { ...bin, options: askHelp(bin.path) };
      cache.helpers[name] = entry;
      changed = true;
    }
    found[name] = { path: entry.path, options: entry.options };
  }
  if (changed) {
    try {
      writeJsonAtomic(file, cache, 0o644);
    } catch {
      // a read-only cache dir only costs the next run a --help
    }
  }
  return found;
}
