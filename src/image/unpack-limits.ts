// When an unpack must stop before it does damage to the user's disk: pure decisions over the
// byte counts the layer pipeline keeps and the free space the store's file system reports.
// limits.maxLayerBytes stops a bomb only at 16 GiB; these stop it within the first few hundred
// MiB, and stop a genuine layer before it fills the disk others share.
import { bytesSize } from '../util/units.js';

export interface DiskLimits {
  /** limits.maxExpansionRatio: unpacked tar bytes per compressed byte read, past the floor */
  maxExpansionRatio: number;
  /** limits.minFreeBytes: what an unpack must leave free on the store's file system */
  minFreeBytes: number;
}

/**
 * Below this a layer may inflate at any ratio: gzip's deflate tops out near 1032:1 on zeros,
 * so a bomb fills at most this much (plus ~1/1000 of its compressed bytes) before it is refused,
 * while a small layer of preallocated zero-filled files never is.
 */
export const EXPANSION_FLOOR_BYTES = 512 * 1024 ** 2;

/** How often (in unpacked bytes) the free space is looked at again during an unpack. */
export const FREE_SPACE_CHECK_BYTES = 16 * 1024 ** 2;

const RAISE = 'raise it in the nook config if the image is genuine';

/**
 * Refuses a layer that has inflated to more than `ratio` times the compressed bytes read so far.
 * The compressed count leads (the decompressor reads ahead), so this never refuses early.
 */
export function expansionRefusal(unpacked: number, compressed: number, ratio: number): string | undefined {
  if (unpacked <= EXPANSION_FLOOR_BYTES || unpacked <= ratio * compressed) return undefined;
  return `refused: the layer unpacks to more than limits.maxExpansionRatio (${ratio}) times its compressed size ` +
    `(${bytesSize(unpacked)} from ${bytesSize(compressed)} so far), a possible decompression bomb (${RAISE})`;
}

/**
 * Refuses to go on when `free` bytes (what statfs says the user may still use) minus `needed`
 * (what the rest of the layer takes at least) is below the reserve. A quota is not in statfs: it
 * shows as EDQUOT on a write (diskFullReason).
 */
export function freeSpaceRefusal(free: number, needed: number, minFree: number): string | undefined {
  if (free - needed >= minFree) return undefined;
  const state = needed > 0
    ? `the layer needs at least ${bytesSize(needed)} and the store's file system has ${bytesSize(free)} free, which would leave`
    : `the store's file system is down to ${bytesSize(free)} free,`;
  return `refused: ${state} less than limits.minFreeBytes (${bytesSize(minFree)}) (free some space, or lower limits.minFreeBytes in the nook config)`;
}
