// A volatile kernel overlay (the root of a --rm container: core/plan.ts) never syncs its
// upper dir, so a crash may leave that dir with lost or torn writes. The kernel marks the
// work dir (work/work/incompat/volatile) at the mount and refuses it at every later mount.
// A --rm container is mounted again only when it outlived its run (its launcher was killed,
// or the machine went down) and `nook start` revives it: then the work dir, the kernel's
// scratch, is emptied; the upper dir is kept only if that run began in this boot, since no
// crash can have come between (what was not written yet is still in the page cache).

/** The dirs to empty before mounting a volatile overlay again; none before its first mount. Pure. */
export function volatileDirsToReset(dirs: { upper: string; work: string }, facts: { workUsed: boolean; lastStartMs: number; bootMs: number }): string[] {
  if (!facts.workUsed) return [];
  // NaN (no recorded start) compares false: the upper is not known to be whole
  const sameBoot = facts.lastStartMs >= facts.bootMs;
  return sameBoot ? [dirs.work] : [dirs.upper, dirs.work];
}
