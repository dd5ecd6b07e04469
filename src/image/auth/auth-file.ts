// `nook login`/`logout` keep credentials where Podman does: $XDG_RUNTIME_DIR/containers/auth.json
// (the registry client reads it first). Written atomically with mode 0600, changed under a lock.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NookError } from '../../errors.js';
import { runtimeDir } from '../../paths.js';
import { writeJsonAtomic } from '../../storage/atomic.js';
import { withLock } from '../../storage/lock.js';
import { authKeys } from '../registry/credentials.js';

interface AuthFile {
  auths?: Record<string, unknown>;
  [key: string]: unknown;
}

export function authFilePath(): string {
  const runtime = process.env['XDG_RUNTIME_DIR'];
  if (!runtime || !runtime.startsWith('/')) throw new NookError('XDG_RUNTIME_DIR is not set: there is no place for registry credentials', { hint: 'log in through a session that sets it (systemd --user, or export XDG_RUNTIME_DIR=/run/user/$(id -u))' });
  return join(runtime, 'containers', 'auth.json');
}

function readAuthFile(path: string): AuthFile {
  if (!existsSync(path)) return {};
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as AuthFile;
  } catch {
    // reported below
  }
  throw new NookError(`cannot parse the credentials file ${path}`, { hint: 'fix its JSON or remove it' });
}

/** Changes the file under nook's lock; keys other tools wrote are kept as they are. */
async function changeAuthFile<T>(change: (auths: Record<string, unknown>) => T): Promise<T> {
  const path = authFilePath();
  return withLock(join(runtimeDir(), 'locks', 'auth.lock'), () => {
    const file = readAuthFile(path);
    const auths = { ...(file.auths ?? {}) };
    const result = change(auths);
    writeJsonAtomic(path, { ...file, auths }, 0o600);
    return result;
  });
}

/** Stores user and password for `domain` (replacing the entry under any of its other keys). */
export async function storeCredentials(domain: string, username: string, password: string): Promise<void> {
  await changeAuthFile((auths) => {
    for (const k of authKeys(domain)) delete auths[k];
    auths[domain] = { auth: Buffer.from(`${username}:${password}`).toString('base64') };
  });
}

/** Removes `domain`'s credentials; false when there were none. */
export async function removeCredentials(domain: string): Promise<boolean> {
  if (!existsSync(authFilePath())) return false;
  return changeAuthFile((auths) => {
    const present = authKeys(domain).filter((k) => k in auths);
    for (const k of present) delete auths[k];
    return present.length > 0;
  });
}
