// Userspace helpers, found on PATH and asked for their version: fuse-overlayfs (rootless
// overlay where the kernel's cannot be used) and pasta or slirp4netns (userspace networking).
import { installFix, ok, warn, type CheckResult } from '../check.js';
import { versionFrom } from '../parse.js';
import { findProgram, runProbe } from '../probe.js';

async function version(name: string): Promise<string | null> {
  const path = findProgram(name);
  if (!path) return null;
  const r = await runProbe(path, ['--version']);
  return versionFrom(name, `${r.stdout}\n${r.stderr}`);
}

export async function checkFuseOverlayfs(): Promise<CheckResult> {
  const v = await version('fuse-overlayfs');
  if (v === null) {
    return warn('fuse-overlayfs', 'not installed; without kernel overlay nook copies image layers instead', installFix('fuse-overlayfs', 'fuse-overlayfs'));
  }
  return ok('fuse-overlayfs', v);
}

export async function checkNetworkHelpers(): Promise<CheckResult> {
  const [pasta, slirp] = await Promise.all([version('pasta'), version('slirp4netns')]);
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
