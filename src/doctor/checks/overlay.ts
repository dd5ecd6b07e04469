// Kernel overlay inside a user namespace (Linux 5.11+), tried for real under the state dir: the
// file system there decides as much as the kernel does. Without it nook uses fuse-overlayfs
// (several times slower for file-heavy work) or copies.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { dataDir } from '../../paths.js';
import { ok, warn, type CheckResult } from '../check.js';
import { firstLine } from '../parse.js';
import { findProgram, runProbe } from '../probe.js';

const NAME = 'kernel overlay in a user namespace';

// Mount, write through the overlay, unmount; the directories come as $1 so nothing is quoted.
const SCRIPT = 'mount -t overlay overlay -o "lowerdir=$1/lower,upperdir=$1/upper,workdir=$1/work" "$1/merged" || exit 1; echo x > "$1/merged/written"; rc=$?; umount "$1/merged"; exit $rc';

export async function checkKernelOverlay(): Promise<CheckResult> {
  const unshare = findProgram('unshare');
  if (!unshare) return warn(NAME, 'not tried: unshare from util-linux is not installed', 'sudo apt install util-linux (Debian) or sudo dnf install util-linux-core (Fedora)');
  const base = dataDir();
  let dir: string;
  try {
    mkdirSync(base, { recursive: true, mode: 0o700 });
    dir = mkdtempSync(join(base, '.doctor-overlay-'));
  } catch (err) {
    return warn(NAME, `not tried: cannot create a directory under ${base}: ${(err as Error).message}`, `make ${base} writable for you, or set XDG_DATA_HOME`);
  }
  try {
    for (const sub of ['lower', 'upper', 'work', 'merged']) mkdirSync(join(dir, sub));
    writeFileSync(join(dir, 'lower', 'file'), '');
    const r = await runProbe(unshare, ['--user', '--map-root-user', '--mount', 'sh', '-c', SCRIPT, 'sh', dir]);
    if (r.code === 0 && existsSync(join(dir, 'upper', 'written'))) return ok(NAME, `mounted and written under ${base}`);
    const why = firstLine(r.stderr) || r.error || `exit ${r.code}`;
    return warn(
      NAME,
      `fails under ${base} (kernel ${release()}): ${why}; nook uses fuse-overlayfs or copies instead`,
      'use Linux 5.11 or later and keep the state dir (XDG_DATA_HOME) on a local file system such as ext4 or xfs',
    );
  } finally {
    // overlay leaves work/work with mode 000; it is ours, so make it removable first.
    if (existsSync(join(dir, 'work', 'work'))) chmodSync(join(dir, 'work', 'work'), 0o700);
    rmSync(dir, { recursive: true, force: true });
  }
}
