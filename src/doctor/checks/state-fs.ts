// The file system under the state dir: overlay upper dirs and the xattrs that carry layer
// ownership misbehave on network and FUSE file systems, and overlay cannot sit on overlayfs.
import { readFileSync, realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { dataDir } from '../../paths.js';
import { ok, warn, type CheckResult } from '../check.js';
import { fsKind, mountFor, parseMountinfo } from '../mountinfo.js';

const NAME = 'state directory';

/** The directory itself or, before the first run creates it, its nearest existing parent. */
function nearestExisting(path: string): string {
  for (let dir = path; ; dir = dirname(dir)) {
    try {
      return realpathSync(dir);
    } catch {
      if (dirname(dir) === dir) return dir;
    }
  }
}

export async function checkStateFs(): Promise<CheckResult> {
  const dir = dataDir();
  const probe = nearestExisting(dir);
  const mount = mountFor(probe, parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8')));
  if (!mount) return warn(NAME, `${dir}: no mount found for ${probe} in /proc/self/mountinfo`);
  const where = `${dir}${probe === dir ? '' : ' (not created yet)'} is on ${mount.fsType} (${mount.source} at ${mount.mountPoint})`;
  const fix = 'set XDG_DATA_HOME to a directory on a local file system such as ext4, xfs or btrfs';
  switch (fsKind(mount.fsType)) {
    case 'network':
      return warn(NAME, `${where}: overlay mounts and extended attributes misbehave on network file systems`, fix);
    case 'fuse':
      return warn(NAME, `${where}: overlay mounts and extended attributes misbehave on FUSE file systems`, fix);
    case 'overlay':
      return warn(NAME, `${where}: kernel overlay cannot use upper dirs on overlayfs, nook falls back to fuse-overlayfs`, fix);
    case 'local':
      return ok(NAME, where);
  }
}
