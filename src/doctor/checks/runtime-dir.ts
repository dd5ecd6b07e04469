// XDG_RUNTIME_DIR holds nook's pid files, sockets and locks; it must be private to the user.
// systemd-logind creates it at login; su, sudo, runuser and cron sessions often lack it.
import { statSync, type Stats } from 'node:fs';
import { runtimeDir } from '../../paths.js';
import { ok, warn, type CheckResult } from '../check.js';
import type { User } from './subids.js';

const NAME = 'XDG_RUNTIME_DIR';

/** `value` is the variable, `st` the stat of its directory (null when absent). */
export function judgeRuntimeDir(value: string | undefined, st: Pick<Stats, 'uid' | 'mode' | 'isDirectory'> | null, user: User, fallback: string): CheckResult {
  const create = `sudo install -d -m 0700 -o ${user.uid} /run/user/${user.uid} && export XDG_RUNTIME_DIR=/run/user/${user.uid}`;
  if (!value || !value.startsWith('/')) {
    return warn(NAME, `not set; nook uses ${fallback}, which a reboot does not clear`, `log in through a systemd-logind session (pam_systemd), or: ${create}`);
  }
  if (!st || !st.isDirectory()) {
    return warn(NAME, `${value} does not exist; nook uses ${fallback}, which a reboot does not clear`, `${create}; or unset XDG_RUNTIME_DIR`);
  }
  if (st.uid !== user.uid) return warn(NAME, `${value} belongs to uid ${st.uid}, not to you; nook uses ${fallback}`, `unset XDG_RUNTIME_DIR, or: ${create}`);
  const mode = st.mode & 0o777;
  if (mode !== 0o700) {
    return warn(NAME, `${value} has mode ${mode.toString(8).padStart(4, '0')}; other users can reach nook's sockets`, `chmod 0700 ${value}`);
  }
  return ok(NAME, `${value} (yours, mode 0700)`);
}

export async function checkRuntimeDir(user: User): Promise<CheckResult> {
  const value = process.env['XDG_RUNTIME_DIR'];
  const st = value?.startsWith('/') ? (statSync(value, { throwIfNoEntry: false }) ?? null) : null;
  return judgeRuntimeDir(value, st, user, runtimeDir());
}
