// libseccomp compiles the seccomp profiles (the default one included) into BPF; nook opens it
// at run time, so the shared library itself must be there, not just the -dev package.
import { realpathSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { installFix, ok, warn, type CheckResult } from '../check.js';
import { findProgram, runProbe } from '../probe.js';

const SONAME = 'libseccomp.so.2';
const MULTIARCH: Record<string, string> = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu', arm: 'arm-linux-gnueabihf', ppc64: 'powerpc64le-linux-gnu', s390x: 's390x-linux-gnu', riscv64: 'riscv64-linux-gnu' };

function libDirs(): string[] {
  const triplet = MULTIARCH[process.arch];
  const arch = triplet ? [`/lib/${triplet}`, `/usr/lib/${triplet}`] : [];
  return [...arch, '/usr/lib64', '/lib64', '/usr/lib', '/lib', '/usr/local/lib'];
}

async function locate(): Promise<string | null> {
  for (const dir of libDirs()) {
    const path = join(dir, SONAME);
    if (statSync(path, { throwIfNoEntry: false })?.isFile()) return path;
  }
  // Elsewhere (a custom ld.so.conf dir): ask the loader's cache.
  const ldconfig = findProgram('ldconfig');
  if (!ldconfig) return null;
  const r = await runProbe(ldconfig, ['-p']);
  const line = r.stdout.split('\n').find((l) => l.trim().startsWith(`${SONAME} `));
  return line?.split('=> ')[1]?.trim() ?? null;
}

export async function checkLibseccomp(): Promise<CheckResult> {
  const path = await locate();
  if (!path) {
    return warn('libseccomp', `${SONAME} not found; seccomp profiles cannot be compiled`, installFix('libseccomp2', 'libseccomp'));
  }
  // The real file's name carries the version: libseccomp.so.2.5.4.
  return ok('libseccomp', `${path} (${basename(realpathSync(path))})`);
}
