// Named volumes: volumes/<name>/_data (the data, owned by the containers' root, i.e. the user)
// and volumes/<name>/volume.json (Docker's inspect fields). Created on first use by `run -v`,
// seeded from the image's content at the mount point (Docker's behaviour), removed from inside
// the user namespace because containers leave files owned by subordinate ids.
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { randomBytes } from '../util/random.js';
import { join } from 'node:path';
import { dataDir, runtimeDir } from '../paths.js';
import { NookError } from '../errors.js';
import { writeJsonAtomic } from '../storage/atomic.js';
import { withLock } from '../storage/lock.js';
import { readJson } from './record.js';
import { removeTreesInNamespace, runInUserNamespace } from './remove.js';
import { listContainers } from './state.js';

export interface Volume {
  CreatedAt: string;
  Driver: 'local';
  Labels: Record<string, string>;
  Mountpoint: string;
  Name: string;
  Options: Record<string, string>;
  Scope: 'local';
}

/** Docker marks volumes made for `-v /path` with this label; `rm -v` and `prune` take them. */
export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export const volumesDir = (): string => join(dataDir(), 'volumes');
const volumeDir = (name: string) => join(volumesDir(), name);
const metaPath = (name: string) => join(volumeDir(name), 'volume.json');
const lockPath = () => join(runtimeDir(), 'locks', 'volumes.lock');

export function validateVolumeName(name: string): string {
  if (!NAME.test(name)) {
    throw new NookError(`create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`);
  }
  return name;
}

export function loadVolume(name: string): Volume | undefined {
  if (!NAME.test(name)) return undefined;
  const v = readJson<Volume>(metaPath(name));
  if (!v || v.Name !== name) return undefined;
  return { ...v, Labels: { ...(v.Labels ?? {}) }, Options: { ...(v.Options ?? {}) }, Mountpoint: join(volumeDir(name), '_data') };
}

export function listVolumes(): Volume[] {
  let names: string[] = [];
  try {
    names = readdirSync(volumesDir());
  } catch {
    return [];
  }
  return names.map(loadVolume).filter((v): v is Volume => v !== undefined).sort((a, b) => a.Name.localeCompare(b.Name));
}

/** The ids of containers (any state) that mount the volume. */
export function volumeUsers(name: string): string[] {
  return listContainers().filter((c) => (c.config.mounts ?? []).some((m) => m.type === 'volume' && m.name === name)).map((c) => c.id);
}

/** Creates the volume, or returns it when it exists (Docker's `volume create` is idempotent). */
export async function createVolume(name: string | undefined, opts: { labels?: Record<string, string>; options?: Record<string, string> } = {}): Promise<{ volume: Volume; created: boolean }> {
  const anonymous = name === undefined;
  const n = anonymous ? randomBytes(32).toString('hex') : validateVolumeName(name);
  return withLock(lockPath(), () => {
    const existing = loadVolume(n);
    if (existing) return { volume: existing, created: false };
    mkdirSync(volumesDir(), { recursive: true, mode: 0o700 });
    // built beside, then renamed in: a crash leaves a .tmp- dir, never a half volume
    const tmp = join(volumesDir(), `.tmp-${n}-${randomBytes(4).toString('hex')}`);
    mkdirSync(join(tmp, '_data'), { recursive: true, mode: 0o755 });
    const volume: Volume = {
      CreatedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      Driver: 'local',
      Labels: { ...(opts.labels ?? {}), ...(anonymous ? { [ANONYMOUS_LABEL]: '' } : {}) },
      Mountpoint: join(volumeDir(n), '_data'),
      Name: n,
      Options: opts.options ?? {},
      Scope: 'local',
    };
    writeJsonAtomic(join(tmp, 'volume.json'), volume);
    renameSync(tmp, volumeDir(n));
    return { volume: loadVolume(n)!, created: true };
  });
}

function isEmptyDir(path: string): boolean {
  try {
    return readdirSync(path).length === 0;
  } catch {
    return false;
  }
}

/** Copies the image's content at the mount point in, keeping its owners (hence the namespace). */
const seedVolume = (data: string, from: string) => runInUserNamespace(['cp', '-a', '--', `${from}/.`, `${data}/`], `seed the volume from ${from}`);

/**
 * For `run -v NAME:/path` (NAME undefined: an anonymous volume for `-v /path`): the volume's
 * host directory, created on first use and, while still empty, seeded from `seedFrom` (a
 * host directory showing the image's content at the mount point, when it has any).
 */
export async function resolveVolumeMount(name: string | undefined, seedFrom?: string): Promise<{ source: string; name: string; anonymous: boolean; readonly: false }> {
  const { volume, created } = await createVolume(name);
  if (created && seedFrom !== undefined && existsSync(seedFrom) && statSync(seedFrom).isDirectory() && isEmptyDir(volume.Mountpoint)) {
    await seedVolume(volume.Mountpoint, seedFrom);
  }
  return { source: volume.Mountpoint, name: volume.Name, anonymous: name === undefined, readonly: false };
}

/** Removes a volume: refused while a container uses it, unless forced. */
export async function removeVolume(name: string, opts: { force: boolean; quietIfMissing?: boolean }): Promise<boolean> {
  return withLock(lockPath(), async () => {
    if (!loadVolume(name)) {
      if (opts.quietIfMissing || opts.force) return false;
      throw new NookError(`get ${name}: no such volume`);
    }
    const users = volumeUsers(name);
    if (users.length > 0 && !opts.force) throw new NookError(`remove ${name}: volume is in use - [${users.join(', ')}]`, { hint: 'remove those containers first, or use -f' });
    // renamed away first, so a crash half-way never leaves a half volume under its name
    const doomed = join(volumesDir(), `.tmp-rm-${name}-${randomBytes(4).toString('hex')}`);
    renameSync(volumeDir(name), doomed);
    await removeTreesInNamespace([doomed]);
    return true;
  });
}
