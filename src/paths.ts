// Where nook keeps things (DESIGN.md §3) and where its own parts are installed.
import { existsSync, lstatSync, mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NookError } from './errors.js';

function xdg(name: string, fallback: string): string {
  const v = process.env[name];
  return v && v.startsWith('/') ? v : join(homedir(), fallback);
}

/** Persistent per-user state: blobs, layers, images, volumes, containers. */
export function dataDir(): string {
  return join(xdg('XDG_DATA_HOME', '.local/share'), 'nook');
}

let checkedFallback = false;

/**
 * Volatile per-user state: pid files, locks, sockets. Empty after a reboot. Without a
 * runtime dir of the user's own, /tmp/nook-UID: anyone may create that name first, so it
 * is used only when it is a real directory of ours that nobody else can enter (attach
 * sockets and locks live there).
 */
export function runtimeDir(): string {
  const v = process.env['XDG_RUNTIME_DIR'];
  const uid = process.getuid?.() ?? 0;
  // Only a runtime dir that is really ours: a stale or foreign one would make mkdir fail.
  if (v && v.startsWith('/') && statSync(v, { throwIfNoEntry: false })?.uid === uid) return join(v, 'nook');
  const dir = join('/tmp', `nook-${uid}`);
  if (!checkedFallback) {
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const st = lstatSync(dir);
    if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) {
      const what = st.isSymbolicLink() ? 'a symbolic link' : !st.isDirectory() ? 'not a directory' : st.uid !== uid ? `owned by uid ${st.uid}` : `open to others (mode ${(st.mode & 0o777).toString(8)})`;
      throw new NookError(`refusing the runtime directory ${dir}: it is ${what}, so another user could take over nook's sockets and locks`,
        { hint: 'set XDG_RUNTIME_DIR to a directory of your own (mode 0700), or remove it if it is yours' });
    }
    checkedFallback = true;
  }
  return dir;
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

/**
 * The launcher's whole environment: none of the caller's. With --init the launcher is the
 * container's pid 1, whose /proc/1/environ the container reads; the container's own
 * variables travel as directives, and the launcher and its helpers need nothing else.
 */
export const LAUNCHER_ENV: Readonly<Record<string, string>> = Object.freeze({});

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
