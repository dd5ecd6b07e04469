// Platforms: `--platform os/arch[/variant]`, this machine's default, and the choice in an index.
import { fail } from '../errors.js';
import type { Descriptor, Platform } from './media-types.js';

const NODE_TO_OCI: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64' };

export function hostPlatform(): Platform {
  return { os: 'linux', architecture: NODE_TO_OCI[process.arch] ?? process.arch, variant: process.arch === 'arm64' ? 'v8' : undefined };
}

export function parsePlatform(s: string): Platform {
  const parts = s.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9_]+$/.test(p))) {
    fail(`invalid platform "${s}"`, 'use os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8');
  }
  return { os: parts[0]!, architecture: parts[1]!, variant: parts[2] };
}

export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

/** The index entry for `want`; arm64's v8 is its default variant, as in containerd. */
export function choosePlatform(manifests: Descriptor[], want: Platform): Descriptor | undefined {
  const variantOf = (p: Platform) => p.variant ?? (p.architecture === 'arm64' ? 'v8' : undefined);
  const candidates = manifests.filter((m) => m.platform && m.platform.os === want.os && m.platform.architecture === want.architecture);
  if (want.variant === undefined) return candidates.find((m) => variantOf(m.platform!) === variantOf(want)) ?? candidates[0];
  return candidates.find((m) => variantOf(m.platform!) === variantOf(want));
}
