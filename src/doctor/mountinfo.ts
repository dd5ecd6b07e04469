// /proc/self/mountinfo (proc(5)): which mount holds a path and what kind of file system it is.
// Pure; the state-dir check reads the file.

export interface MountEntry {
  mountPoint: string;
  fsType: string;
  source: string;
}

/** The kernel escapes space, tab, newline and backslash in paths as octal (`\040`). */
function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function parseMountinfo(text: string): MountEntry[] {
  const mounts: MountEntry[] = [];
  for (const line of text.split('\n')) {
    // id parent major:minor root mountpoint options [optional fields...] - fstype source superopts
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const right = line.slice(sep + 3).split(' ');
    if (left.length < 6 || right.length < 2) continue;
    mounts.push({ mountPoint: unescapeOctal(left[4]!), fsType: right[0]!, source: unescapeOctal(right[1]!) });
  }
  return mounts;
}

/** The mount holding `path` (absolute, resolved): the longest mount point prefix; the later of two equal ones is on top. */
export function mountFor(path: string, mounts: ReadonlyArray<MountEntry>): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const m of mounts) {
    const inside = m.mountPoint === '/' || path === m.mountPoint || path.startsWith(m.mountPoint + '/');
    if (inside && (!best || m.mountPoint.length >= best.mountPoint.length)) best = m;
  }
  return best;
}

export type FsKind = 'local' | 'network' | 'fuse' | 'overlay';

const NETWORK_FS = new Set(['nfs', 'nfs4', 'cifs', 'smb3', 'smbfs', '9p', 'ceph', 'glusterfs', 'afs', 'lustre', 'gpfs']);

export function fsKind(fsType: string): FsKind {
  if (NETWORK_FS.has(fsType)) return 'network';
  if (fsType === 'fuse' || fsType === 'fuseblk' || fsType.startsWith('fuse.')) return 'fuse';
  if (fsType === 'overlay') return 'overlay';
  return 'local';
}
