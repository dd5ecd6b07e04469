// Where nook keeps things (DESIGN.md §3) and where its own parts are installed.
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function xdg(name: string, fallback: string): string {
  const v = process.env[name];
  return v && v.startsWith('/') ? v : join(homedir(), fallback);
}

/** Persistent per-user state: blobs, layers, images, volumes, containers. */
export function dataDir(): string {
  return join(xdg('XDG_DATA_HOME', '.local/share'), 'nook');
}

/** Volatile per-user state: pid files, locks, sockets. Empty after a reboot. */
export function runtimeDir(): string {
  const v = process.env['XDG_RUNTIME_DIR'];
  // Only a runtime dir that is really ours: a stale or foreign one would make mkdir fail.
  if (v && v.startsWith('/') && statSync(v, { throwIfNoEntry: false })?.uid === process.getuid?.()) return join(v, 'nook');
  const uid = process.getuid?.() ?? 0;
  return join('/tmp', `nook-${uid}`);
}

export function configHome(): string {
  return join(xdg('XDG_CONFIG_HOME', '.config'), 'nook');
}

/** Rebuildable per-user caches: compiled seccomp programs, what the network helpers offer. */
export function cacheHome(): string {
  return join(xdg('XDG_CACHE_HOME', '.cache'), 'nook');
}

/**
 * The directory holding the bundle, the launcher binary and the ffi-rs binary. In the repo
 * that is dist/ (the launcher is found in native/build/); once installed, all sit together.
 */
export function installDir(): string {
  return dirname(fileURLToPath(import.meta.url));
}

export function launcherPath(): string {
  const env = process.env['NOOK_LAUNCHER'];
  if (env) return env;
  const installed = join(installDir(), 'nook-run');
  // Running from src/ (unit tests under tsx): the launcher is still in native/build.
  return existsSync(installed) ? installed : join(installDir(), '..', 'native', 'build', 'nook-run');
}

export function profilesDir(): string {
  return join(installDir(), 'profiles');
}
