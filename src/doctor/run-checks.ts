// Every check, run concurrently (several spawn a program), reported in a fixed order.
import { userInfo } from 'node:os';
import type { CheckResult } from './check.js';
import { checkConfig } from './checks/config.js';
import { checkDevice } from './checks/devices.js';
import { checkIdMapTool } from './checks/idmap-tools.js';
import { checkLauncher } from './checks/launcher.js';
import { checkLibseccomp } from './checks/libseccomp.js';
import { checkKernelOverlay } from './checks/overlay.js';
import { checkFuseOverlayfs, checkNetworkHelpers } from './checks/programs.js';
import { checkRuntimeDir } from './checks/runtime-dir.js';
import { checkStateFs } from './checks/state-fs.js';
import { checkSubIds, type User } from './checks/subids.js';
import { checkUserNamespaces } from './checks/userns.js';

/** The user's name from the password database, or the uid when there is no entry (subuid files accept both). */
function currentUser(): User {
  const uid = process.getuid?.() ?? 0;
  try {
    return { name: userInfo().username, uid };
  } catch {
    return { name: String(uid), uid };
  }
}

export function runChecks(cwd: string = process.cwd()): Promise<CheckResult[]> {
  const user = currentUser();
  return Promise.all([
    checkUserNamespaces(),
    checkSubIds('subuid', user),
    checkSubIds('subgid', user),
    checkIdMapTool('newuidmap'),
    checkIdMapTool('newgidmap'),
    checkKernelOverlay(),
    checkDevice('/dev/fuse'),
    checkFuseOverlayfs(),
    checkNetworkHelpers(),
    checkDevice('/dev/net/tun'),
    checkLibseccomp(),
    checkRuntimeDir(user),
    checkStateFs(),
    checkLauncher(),
    checkConfig(cwd),
  ]);
}
