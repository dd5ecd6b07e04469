// What a layer entry means, decided before anything touches the disk. Pure.

/** Overlay whiteout conventions of the OCI image spec. */
const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_MARKER = '.wh..wh..opq';

export class EntryRefused extends Error {}

/**
 * The entry's path as components below the layer root. `./a/b/`, `a//b` are fine; absolute
 * paths and any `..` component are refused, never rewritten: a layer that tries is hostile.
 */
export function entryComponents(raw: string): string[] {
  if (raw.startsWith('/')) throw new EntryRefused('absolute path');
  if (raw.includes('\0')) throw new EntryRefused('NUL in path');
  const parts = raw.split('/').filter((c) => c !== '' && c !== '.');
  if (parts.includes('..')) throw new EntryRefused('path with a ".." component');
  return parts;
}

export type EntryAction =
  | { action: 'whiteout'; parent: string[]; name: string }
  | { action: 'opaque'; dir: string[] }
  | { action: 'write' };

/** Whiteout files become what kernel overlayfs reads: 0/0 char devices and an opaque xattr. */
export function classifyEntry(parts: string[]): EntryAction {
  const base = parts[parts.length - 1];
  if (base === undefined || !base.startsWith(WHITEOUT_PREFIX)) return { action: 'write' };
  const parent = parts.slice(0, -1);
  if (base === OPAQUE_MARKER) return { action: 'opaque', dir: parent };
  const name = base.slice(WHITEOUT_PREFIX.length);
  if (name === '' || name === '.' || name === '..' || name.startsWith(WHITEOUT_PREFIX)) throw new EntryRefused('bad whiteout name');
  return { action: 'whiteout', parent, name };
}

/** Extended attributes an unprivileged user (root of a user namespace) may store on a layer file. */
export function xattrAllowed(name: string): boolean {
  // security.capability is namespaced by the kernel (v3 caps with the namespace's root uid).
  return name.startsWith('user.') || name === 'security.capability';
}

/** Directory modes are applied at the end, deepest first, so read-only dirs can still be filled. */
export function orderForModeFix(dirs: string[]): string[] {
  const depth = (p: string) => (p === '' ? 0 : p.split('/').length);
  return [...dirs].sort((a, b) => depth(b) - depth(a));
}
