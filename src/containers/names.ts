// Container ids and names. Names are reserved as symlinks names/<name> -> <id>: creating a
// symlink is atomic and exclusive, so two shells racing for one name cannot both win.
import { randomBytes } from '../util/random.js';
import { existsSync, mkdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { withLock } from '../storage/lock.js';
import { containerDir, namesDir, namesLockPath } from './layout.js';
import { isAbandoned, removeAbandoned } from './abandoned.js';
import { join } from 'node:path';
import { fail } from '../errors.js';

export const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function newContainerId(): string {
  return randomBytes(32).toString('hex');
}

export function validateName(name: string): string {
  const bare = name.startsWith('/') ? name.slice(1) : name;
  if (!NAME_PATTERN.test(bare) || bare.length > 128) {
    fail(`invalid container name "${name}", only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  return bare;
}

const ADJECTIVES = ['brave', 'calm', 'eager', 'fond', 'keen', 'lucid', 'merry', 'nimble', 'quiet', 'sharp', 'tidy', 'witty', 'bold', 'clever', 'gentle', 'jolly'];
const NOUNS = ['otter', 'heron', 'lynx', 'badger', 'finch', 'marten', 'newt', 'ibis', 'wren', 'vole', 'stoat', 'plover', 'gecko', 'tapir', 'okapi', 'koala'];

/**
 * A name no container holds now (of 25,600, a hundred containers make a clash likely, which
 * Docker retries too); a race with another run for the same new name still ends in Conflict.
 */
export function generateName(taken: (name: string) => boolean = (n) => existsSync(join(namesDir(), n))): string {
  for (let attempt = 0; ; attempt++) {
    const b = randomBytes(3);
    const name = `${ADJECTIVES[b[0]! % ADJECTIVES.length]}_${NOUNS[b[1]! % NOUNS.length]}${b[2]! % 100}`;
    if (!taken(name) || attempt === 64) return name;
  }
}

export async function reserveName(name: string, id: string): Promise<string> {
  // Under the names lock (rename takes it too), so taking over a stale link cannot race.
  return withLock(namesLockPath(), () => reserveNameLocked(name, id));
}

async function reserveNameLocked(name: string, id: string): Promise<string> {
  mkdirSync(namesDir(), { recursive: true, mode: 0o700 });
  const link = join(namesDir(), name);
  for (let attempt = 0; ; attempt++) {
    try {
      symlinkSync(id, link);
      return link;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let owner = '';
    try {
      owner = readlinkSync(link);
    } catch {
      continue; /* removed meanwhile: try again */
    }
    // A --rm container leaves its name behind (the launcher cannot know whether the link is
    // still its own after a rename): a link to a container that is gone is free to take, and
    // so is one to what a killed nook left (abandoned.ts), removed first.
    if (attempt === 0 && (!existsSync(containerDir(owner)) || isAbandoned(owner))) {
      await removeAbandoned(owner);
      rmSync(link, { force: true });
      continue;
    }
    fail(`Conflict. The container name "/${name}" is already in use by container "${owner}". You have to remove (or rename) that container to be able to reuse that name.`);
  }
}
