// Required: nook-run, the C launcher that creates the namespaces. Without it nothing runs.
import { accessSync, constants, statSync } from 'node:fs';
import { launcherPath } from '../../paths.js';
import { missing, ok, type CheckResult } from '../check.js';

export async function checkLauncher(): Promise<CheckResult> {
  const path = launcherPath();
  const from = process.env['NOOK_LAUNCHER'] ? ' (from NOOK_LAUNCHER)' : '';
  const fix = process.env['NOOK_LAUNCHER'] ? 'point NOOK_LAUNCHER at a built nook-run, or unset it' : 'reinstall with ./install.sh (in a checkout: npm run build)';
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st?.isFile()) return missing('launcher', `${path}${from} does not exist`, fix);
  try {
    accessSync(path, constants.X_OK);
  } catch {
    return missing('launcher', `${path}${from} is not executable for you`, `chmod 0755 ${path}`);
  }
  return ok('launcher', `${path}${from}`);
}
