// Required: kernel user namespaces usable by this user. The sysctls tell why they are off; an
// actual `unshare --user true` proves they are on (AppArmor or a container runtime may still say no).
import { readFileSync } from 'node:fs';
import { missing, ok, type CheckResult } from '../check.js';
import { firstLine } from '../parse.js';
import { findProgram, runProbe } from '../probe.js';

const NAME = 'user namespaces';

export interface UserNsSysctls {
  /** user.max_user_namespaces; null when the kernel has no user namespaces */
  max: number | null;
  /** kernel.unprivileged_userns_clone (Debian and Ubuntu kernels only) */
  unprivilegedClone: number | null;
  /** kernel.apparmor_restrict_unprivileged_userns (Ubuntu 23.10+) */
  apparmorRestrict: number | null;
}

const persist = (setting: string) =>
  `sudo sysctl -w ${setting} && echo ${setting} | sudo tee /etc/sysctl.d/90-nook-userns.conf`;

/** The verdict of the sysctls alone: a failed check, or the facts to show when they allow it. */
export function judgeUserNsSysctls(s: UserNsSysctls): CheckResult | string {
  if (s.max === null) {
    return missing(NAME, 'the kernel has no user namespaces (no /proc/sys/user/max_user_namespaces)', 'use a kernel built with CONFIG_USER_NS=y');
  }
  if (s.max === 0) return missing(NAME, 'user.max_user_namespaces=0', persist('user.max_user_namespaces=28633'));
  if (s.unprivilegedClone === 0) {
    return missing(NAME, 'kernel.unprivileged_userns_clone=0', persist('kernel.unprivileged_userns_clone=1'));
  }
  const facts = [`max_user_namespaces=${s.max}`];
  if (s.unprivilegedClone !== null) facts.push(`unprivileged_userns_clone=${s.unprivilegedClone}`);
  if (s.apparmorRestrict) facts.push(`apparmor_restrict_unprivileged_userns=${s.apparmorRestrict}`);
  return facts.join(', ');
}

function readSysctl(path: string): number | null {
  try {
    return Number(readFileSync(path, 'utf8').trim());
  } catch {
    return null;
  }
}

export async function checkUserNamespaces(): Promise<CheckResult> {
  const sysctls: UserNsSysctls = {
    max: readSysctl('/proc/sys/user/max_user_namespaces'),
    unprivilegedClone: readSysctl('/proc/sys/kernel/unprivileged_userns_clone'),
    apparmorRestrict: readSysctl('/proc/sys/kernel/apparmor_restrict_unprivileged_userns'),
  };
  const verdict = judgeUserNsSysctls(sysctls);
  if (typeof verdict !== 'string') return verdict;
  const unshare = findProgram('unshare');
  if (!unshare) return ok(NAME, `${verdict} (not tried: unshare from util-linux is not installed)`);
  const r = await runProbe(unshare, ['--user', 'true']);
  if (r.code === 0) return ok(NAME, `${verdict}; unshare --user works`);
  const why = firstLine(r.stderr) || r.error || `exit ${r.code}`;
  const fix = sysctls.apparmorRestrict
    ? `${persist('kernel.apparmor_restrict_unprivileged_userns=0')}, or give nook-run an AppArmor profile with "userns,"`
    : 'user namespaces are blocked outside the kernel sysctls (a seccomp filter of a container runtime, or a security module): run nook on the host or allow unshare(CLONE_NEWUSER)';
  return missing(NAME, `${verdict}, but unshare --user fails: ${why}`, fix);
}
