// Architecture names as they appear in seccomp profiles, mapped to libseccomp's own names.
// Profiles use SCMP_ARCH_* in architectures/archMap and, in includes/excludes, also Docker's
// Go-style names (amd64, arm64, x86, ...); both forms are accepted everywhere.
import { fail } from '../../errors.js';

/**
 * libseccomp's architectures, by the name seccomp_arch_resolve_name() takes (loongarch64 since
 * 2.6: Docker's profile names it, and an archMap entry for another machine is never resolved).
 */
const LIBSECCOMP_ARCHES = [
  'x86', 'x86_64', 'x32', 'arm', 'aarch64', 'mips', 'mips64', 'mips64n32', 'mipsel', 'mipsel64',
  'mipsel64n32', 'ppc', 'ppc64', 'ppc64le', 's390', 's390x', 'parisc', 'parisc64', 'riscv64', 'loongarch64',
] as const;

export type Arch = (typeof LIBSECCOMP_ARCHES)[number];

const GO_NAMES: Record<string, Arch> = {
  amd64: 'x86_64', '386': 'x86', arm64: 'aarch64', mipsle: 'mipsel', mips64le: 'mipsel64',
  mips64p32: 'mips64n32', mips64p32le: 'mipsel64n32', loong64: 'loongarch64',
};

/** `SCMP_ARCH_X86_64`, `x86_64` or `amd64` -> `x86_64`; undefined when unknown. */
export function parseArch(name: string): Arch | undefined {
  const bare = name.startsWith('SCMP_ARCH_') ? name.slice('SCMP_ARCH_'.length).toLowerCase() : name;
  if ((LIBSECCOMP_ARCHES as readonly string[]).includes(bare)) return bare as Arch;
  return GO_NAMES[bare];
}

const NODE_ARCHES: Partial<Record<string, Arch>> = {
  x64: 'x86_64', ia32: 'x86', arm64: 'aarch64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x',
  riscv64: 'riscv64', mips: 'mips', mipsel: 'mipsel',
};

/** The architecture this process runs as, without asking libseccomp (keeps cache hits cheap). */
export function nativeArch(): Arch {
  const arch = NODE_ARCHES[process.arch];
  if (!arch) fail(`seccomp profiles are not supported on ${process.arch}`, 'use --security-opt seccomp=unconfined');
  return arch;
}
