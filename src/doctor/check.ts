// What a doctor check returns and how the results are shown. Pure.
//
// Only two prerequisites are required, and only they can be `missing` (exit code 1): kernel user
// namespaces and the launcher binary; without either nook cannot start a container at all.
// Everything else degrades to a fallback (a single-id map without subuid ranges, fuse-overlayfs
// or a copy without kernel overlay, `--network none` without pasta/slirp4netns, ...) and is a
// `warn` naming what is lost.

export type CheckStatus = 'ok' | 'warn' | 'missing';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
}

export const ok = (name: string, detail: string): CheckResult => ({ name, status: 'ok', detail });

export function warn(name: string, detail: string, fix?: string): CheckResult {
  return fix === undefined ? { name, status: 'warn', detail } : { name, status: 'warn', detail, fix };
}

export function missing(name: string, detail: string, fix: string): CheckResult {
  return { name, status: 'missing', detail, fix };
}

/** `sudo apt install X` (Debian) / `sudo dnf install Y` (Fedora). */
export function installFix(debian: string, fedora: string): string {
  return `sudo apt install ${debian} (Debian/Ubuntu) or sudo dnf install ${fedora} (Fedora)`;
}

/** `missing subuid range: no entry for alice in /etc/subuid — fix: sudo usermod ...` */
export function formatCheck(r: CheckResult): string {
  const line = `${r.status.padEnd(8)}${r.name}: ${r.detail}`;
  return r.fix ? `${line} — fix: ${r.fix}` : line;
}

export function doctorExitCode(results: ReadonlyArray<CheckResult>): number {
  return results.some((r) => r.status === 'missing') ? 1 : 0;
}
