// Userspace helpers, found where `nook run` finds them and asked for their version:
// fuse-overlayfs (rootless overlay where the kernel's cannot be used) and pasta or slirp4netns
// (userspace networking).
import { installFix, ok, warn, type CheckResult } from '../check.js';
import { versionFrom } from '../parse.js';
import { runProbe } from '../probe.js';
import { fuseOverlayfsPath } from '../../rootfs/driver.js';
import { detectHelpers } from '../../network/helpers.js';

async function version(name: string, path: string | undefined): Promise<string | null> {
  if (!path) return null;
  const r = await runProbe(path, ['--version']);
  return versionFrom(name, `${r.stdout}\n${r.stderr}`);
}

export async function checkFuseOverlayfs(): Promise<CheckResult> {
  const v = await version('fuse-overlayfs', fuseOverlayfsPath());
  if (v === null) {
    return warn('fuse-overlayfs', 'not installed; without kernel overlay nook copies image layers instead', installFix('fuse-overlayfs', 'fuse-overlayfs'));
  }
  return ok('fuse-overlayfs', v);
}

export async function checkNetworkHelpers(): Promise<CheckResult> {
  const helpers = detectHelpers();
  const [pasta, slirp] = await Promise.all([version('pasta', helpers.pasta?.path), version('slirp4netns', helpers.slirp4netns?.path)]);
  const found = [pasta === null ? null : `pasta ${pasta}`, slirp === null ? null : `slirp4netns ${slirp}`].filter((s) => s !== null);
  if (found.length === 0) {
    return warn(
      'network helper',
      'neither pasta nor slirp4netns is installed; only --network none and --network host work',
      `${installFix('passt', 'passt')}; or the slirp4netns package on either`,
    );
  }
  return ok('network helper', found.join(', '));
}
