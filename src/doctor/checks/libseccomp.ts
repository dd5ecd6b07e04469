// libseccomp compiles the seccomp profiles (the default one included) into BPF; nook opens it
// at run time, so the shared library itself must be there, not just the -dev package.
import { realpathSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { installFix, ok, warn, type CheckResult } from '../check.js';
import { findProgram, runProbe } from '../probe.js';
import { LIBSECCOMP_SONAME, libseccompDirs } from '../../security/seccomp/cache.js';

async function locate(): Promise<string | null> {
  for (const dir of libseccompDirs()) {
    const path = join(dir, LIBSECCOMP_SONAME);
    if (statSync(path, { throwIfNoEntry: false })?.isFile()) return path;
  }
  // Elsewhere (a custom ld.so.conf dir): ask the loader's cache.
  const ldconfig = findProgram('ldconfig');
  if (!ldconfig) return null;
  const r = await runProbe(ldconfig, ['-p']);
  const line = r.stdout.split('\n').find((l) => l.trim().startsWith(`${LIBSECCOMP_SONAME} `));
  return line?.split('=> ')[1]?.trim() ?? null;
}

export async function checkLibseccomp(): Promise<CheckResult> {
  const path = await locate();
  if (!path) {
    return warn('libseccomp', `${LIBSECCOMP_SONAME} not found; seccomp profiles cannot be compiled`, installFix('libseccomp2', 'libseccomp'));
  }
  // The real file's name carries the version: libseccomp.so.2.5.4.
  return ok('libseccomp', `${path} (${basename(realpathSync(path))})`);
}
