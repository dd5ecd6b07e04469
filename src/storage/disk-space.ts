// A write into the store that failed because the disk is full or the user's quota is used up:
// one line saying which, and what to do. A quota is per user and statfs does not show it (a
// shared machine's home often has one), so it surfaces only here, as EDQUOT on a write.
import { statfsSync } from 'node:fs';

export function diskFullReason(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const fix = 'free some space, or move the store with XDG_DATA_HOME';
  if (code === 'ENOSPC') return `the store's file system is full (ENOSPC: no space or no inodes left; ${fix})`;
  if (code === 'EDQUOT') return `your disk quota on the store's file system is used up (EDQUOT; ${fix})`;
  return undefined;
}

/** What an unprivileged user may still write on the file system holding `path` (f_bavail). */
export function freeBytes(path: string): number {
  const st = statfsSync(path);
  return st.bavail * st.bsize;
}
