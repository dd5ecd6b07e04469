// Where profiles come from: a bare name (`default`, `strict`, `unconfined`) is one of ours,
// anything else is a path to a JSON file.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fail } from '../../errors.js';
import { installDir, profilesDir } from '../../paths.js';

/** dist/profiles beside the bundle; in the source tree (tests run src/ directly) the repo's profiles/. */
export function builtinProfilesDir(): string {
  const beside = profilesDir();
  return existsSync(beside) ? beside : join(installDir(), '..', 'profiles');
}

export function isProfileName(ref: string): boolean {
  return /^[a-z0-9][a-z0-9_-]*$/.test(ref);
}

/** The profile's file; for a name, the built-in of that name. */
export function locateProfile(ref: string): string {
  if (!isProfileName(ref)) {
    const path = resolve(ref);
    if (!existsSync(path)) fail(`seccomp profile not found: ${ref}`, `give a profile file or one of ${builtinNames().join(', ')}`);
    return path;
  }
  const path = join(builtinProfilesDir(), `${ref}.json`);
  if (!existsSync(path)) fail(`unknown seccomp profile "${ref}"`, `use one of ${builtinNames().join(', ')} or a path to a JSON file`);
  return path;
}

export function builtinNames(): string[] {
  const dir = builtinProfilesDir();
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => basename(f, '.json')).sort();
}

/**
 * A profile as read once, at create: a container keeps this text, so a later change of the
 * file, or a `start` from another directory, cannot change its filter.
 */
export interface ResolvedProfile {
  /** as given: a built-in name or a path */
  ref: string;
  /** the absolute path it was read from */
  file: string;
  text: string;
}

export function resolveProfile(ref: string): ResolvedProfile {
  const file = locateProfile(ref);
  return { ref, file, text: readProfileText(file) };
}

export function readProfileText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    fail(`cannot read seccomp profile ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
