// Which storage driver builds an image's root: the kernel's overlayfs inside the user
// namespace (Linux 5.11+), else fuse-overlayfs, else a copy of the layers (slow to start and
// costly in space, but it needs nothing). Asked for by --storage-driver or the config's
// storageDriver; `auto` decides from the kernel version and what is installed.
import { accessSync, constants } from 'node:fs';
import { release } from 'node:os';
import { fail } from '../errors.js';

export type StorageDriver = 'overlay' | 'fuse-overlayfs' | 'copy';

const FUSE_OVERLAYFS = ['/usr/bin/fuse-overlayfs', '/usr/local/bin/fuse-overlayfs', '/bin/fuse-overlayfs'];

export function fuseOverlayfsPath(): string | undefined {
  for (const p of FUSE_OVERLAYFS) {
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/** Rootless kernel overlay (the `userxattr` option) arrived in Linux 5.11. */
export function kernelOverlayUsable(kernel = release()): boolean {
  const [major = 0, minor = 0] = kernel.split('.').map((n) => parseInt(n, 10));
  return major > 5 || (major === 5 && minor >= 11);
}

export function chooseDriver(requested: string): StorageDriver {
  if (requested === 'overlay' || (requested === 'auto' && kernelOverlayUsable())) return 'overlay';
  if (requested === 'fuse-overlayfs') {
    if (!fuseOverlayfsPath()) fail('fuse-overlayfs is not installed', 'install it (Debian/Fedora package fuse-overlayfs) or use --storage-driver copy');
    return 'fuse-overlayfs';
  }
  if (requested === 'auto') return fuseOverlayfsPath() ? 'fuse-overlayfs' : 'copy';
  if (requested === 'copy') return 'copy';
  fail(`unknown storage driver "${requested}"`, 'use auto, overlay, fuse-overlayfs or copy');
}
