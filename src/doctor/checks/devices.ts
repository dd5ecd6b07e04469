// Device nodes the userspace helpers open as the user: /dev/fuse (fuse-overlayfs) and
// /dev/net/tun (pasta, slirp4netns). A normal Debian host has both 0666; fresh VMs often 0600.
import { accessSync, constants, statSync } from 'node:fs';
import { ok, warn, type CheckResult } from '../check.js';

export async function checkDevice(path: '/dev/fuse' | '/dev/net/tun'): Promise<CheckResult> {
  const user = path === '/dev/fuse' ? 'fuse-overlayfs' : 'pasta and slirp4netns';
  const module = path === '/dev/fuse' ? 'fuse' : 'tun';
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return warn(path, `does not exist, so ${user} cannot work`, `sudo modprobe ${module}`);
  if (!st.isCharacterDevice()) return warn(path, `is not a character device, so ${user} cannot work`, `sudo rm ${path} && sudo modprobe ${module}`);
  const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
  try {
    accessSync(path, constants.R_OK | constants.W_OK);
    return ok(path, `read-write for you (mode ${mode})`);
  } catch {
    return warn(path, `not read-write for you (mode ${mode}), so ${user} cannot work`, `sudo chmod 0666 ${path} (the mode a normal Debian host gives it)`);
  }
}
