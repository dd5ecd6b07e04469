// The `copy` storage driver's root: the image's unpacked layers copied bottom to top into one
// directory, applying what overlayfs would (a 0/0 character device deletes the path below it,
// an opaque directory hides everything below it). Runs in the unpack worker, inside the user
// namespace, so owners, modes and hard links survive. Links are never followed.
import {
  chmodSync, copyFileSync, constants, lchownSync, linkSync, lstatSync, lutimesSync, mkdirSync,
  readdirSync, readlinkSync, rmSync, symlinkSync, type Stats,
} from 'node:fs';
import { join } from 'node:path';
import { lgetxattr } from './syscalls.js';

const OPAQUE = 'user.overlay.opaque';

function isWhiteout(st: Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

function isOpaque(path: string): boolean {
  try {
    return lgetxattr(path, OPAQUE)?.toString() === 'y';
  } catch {
    return false;
  }
}

function metadata(path: string, st: Stats): void {
  lchownSync(path, st.uid, st.gid);
  if (!st.isSymbolicLink()) chmodSync(path, st.mode & 0o7777);
  lutimesSync(path, st.atime, st.mtime);
}

/** Copies `layers` (bottom first) into the empty directory `target`. */
export function flattenLayers(target: string, layers: string[]): void {
  // hard links: a layer's inode copied once, then linked (per layer: links never cross layers)
  for (const layer of layers) copyTree(layer, target, new Map());
  metadata(target, lstatSync(layers.at(-1) ?? target));
}

function copyTree(src: string, dst: string, links: Map<string, string>): void {
  const dirs: Array<[string, Stats]> = [];
  for (const name of readdirSync(src)) {
    const from = join(src, name);
    const to = join(dst, name);
    const st = lstatSync(from);
    const existing = lstatSync(to, { throwIfNoEntry: false });
    if (isWhiteout(st)) {
      if (existing) rmSync(to, { recursive: true, force: true });
      continue;
    }
    if (st.isDirectory()) {
      if (existing && (!existing.isDirectory() || isOpaque(from))) rmSync(to, { recursive: true, force: true });
      if (!existing || !existing.isDirectory() || isOpaque(from)) mkdirSync(to, { mode: 0o700 });
      else chmodSync(to, 0o700); // writable while we fill it; the real mode is set afterwards
      copyTree(from, to, links);
      dirs.push([to, st]);
      continue;
    }
    if (existing) rmSync(to, { recursive: true, force: true });
    const inode = `${st.dev}:${st.ino}`;
    if (st.nlink > 1 && links.has(inode)) {
      linkSync(links.get(inode)!, to);
      continue;
    }
    if (st.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
    else if (st.isFile()) copyFileSync(from, to, constants.COPYFILE_EXCL);
    else continue; // fifos and sockets are not image content; devices are skipped at unpack
    metadata(to, st);
    if (st.nlink > 1) links.set(inode, to);
  }
  for (const [path, st] of dirs) metadata(path, st);
}
