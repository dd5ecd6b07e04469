// Reading a file of an untrusted root file system (an image's /etc/passwd) as if chrooted:
// every symlink is resolved against the root and `..` stops at it, like RESOLVE_IN_ROOT.
import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

const MAX_LINKS = 40;

/** The host path that `path` names inside `root`, following links the way the container would. */
export function resolveInRoot(root: string, path: string): string {
  let parts = path.split('/').filter((p) => p && p !== '.');
  const done: string[] = [];
  let links = 0;
  while (parts.length > 0) {
    const part = parts.shift()!;
    if (part === '..') {
      done.pop();
      continue;
    }
    const host = join(root, ...done, part);
    let st;
    try {
      st = lstatSync(host);
    } catch {
      done.push(part, ...parts); // missing: the rest cannot contain links
      break;
    }
    if (st.isSymbolicLink()) {
      if (++links > MAX_LINKS) throw Object.assign(new Error(`too many levels of symbolic links: ${path}`), { code: 'ELOOP' });
      const target = readlinkSync(host);
      if (target.startsWith('/')) done.length = 0;
      parts = [...target.split('/').filter((p) => p && p !== '.'), ...parts];
      continue;
    }
    done.push(part);
  }
  return join(root, ...done);
}

/** The file's text, or undefined when it does not exist or is not a regular file. */
export function readTextInRoot(root: string, path: string, maxBytes = 4 << 20): string | undefined {
  try {
    const host = resolveInRoot(root, path);
    const st = lstatSync(host);
    if (!st.isFile() || st.size > maxBytes) return undefined;
    return readFileSync(host, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * A file of a layered image before any overlay is mounted: the topmost layer that has it
 * wins, a whiteout (0/0 character device) hides the lower ones. Links are followed inside
 * each layer only; that is enough for /etc/passwd and /etc/group.
 */
export function readTextInLayers(layersTopFirst: string[], path: string): string | undefined {
  for (const layer of layersTopFirst) {
    let st;
    try {
      st = lstatSync(resolveInRoot(layer, path));
    } catch {
      continue;
    }
    if (st.isCharacterDevice() && st.rdev === 0) return undefined;
    return readTextInRoot(layer, path);
  }
  return undefined;
}
