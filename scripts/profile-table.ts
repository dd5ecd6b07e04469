// The README's table of what nook's profiles allow beside Docker's and podman's defaults,
// generated from the profiles themselves (profiles/*.json, profiles/reference/), so it cannot
// drift: `npm run profile-table` rewrites it between the markers in README.md; `--print` only
// prints it (test/unit/profile-table.test.ts compares the two).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveCapabilities, type Capability } from '../src/security/capabilities.js';
import { allowedBy, compactNames, compareAllowed, type Extra, type Grant } from '../src/security/seccomp/compare.js';
import { parseProfile, type Profile } from '../src/security/seccomp/profile.js';
import type { Arch } from '../src/security/seccomp/arches.js';
import { resolveSyscall } from '../src/security/seccomp/libseccomp.js';
import type { Target } from '../src/security/seccomp/select.js';

/** What resolveSyscall() answers for a name this libseccomp does not know. */
const NR_UNKNOWN = -1;

const repo = fileURLToPath(new URL('..', import.meta.url));
const START = '<!-- profile-table:start -->';
const END = '<!-- profile-table:end -->';
const OURS = ['default', 'strict', 'unconfined'];
/** A kernel new enough for every minKernel condition of the profiles. */
const KERNEL: [number, number] = [6, 1];

interface Reference {
  file: string;
  name: string;
  repo: string;
  path: string;
  commit: string;
  /** the runtime's default capability set, which the profile's includes/excludes see */
  capabilities: Capability[];
}

function load(file: string): Profile {
  return parseProfile(readFileSync(join(repo, 'profiles', file), 'utf8'), file);
}

/** The capabilities a container under `p` has: Docker's default set less the profile's own drops. */
const capabilitiesUnder = (p: Profile): Capability[] => resolveCapabilities([], p.capDrop);

const target = (capabilities: Capability[]): Target => ({ capabilities, kernel: KERNEL, arch: 'x86_64' });

type AllowList = { arches: Arch[]; grants: Map<string, Grant> | undefined };

function allowList(p: Profile, capabilities: Capability[]): AllowList {
  const a = allowedBy(p, target(capabilities));
  return { arches: a.arches, grants: a.everything ? undefined : a.grants };
}

/**
 * A name counts where both filters apply: it exists on an entry point both let in (libseccomp
 * knows; a name it does not know is kept). A 32-bit entry point only one side lets in is its own column.
 */
function existsOnBoth(a: Arch[], b: Arch[]): (name: string) => boolean {
  const both = a.filter((x) => b.includes(x));
  return (name) => {
    const nrs = both.map((arch) => resolveSyscall(arch, name));
    return nrs.some((nr) => nr >= 0) || nrs.every((nr) => nr === NR_UNKNOWN);
  };
}

function cell(e: Extra): string {
  const parts = [];
  if (e.whole.length) parts.push(`\`${compactNames(e.whole)}\``);
  if (e.someArgs.length) parts.push(`for other arguments: \`${compactNames(e.someArgs)}\``);
  return parts.join('; ') || 'nothing';
}

/** A container's capabilities under a nook profile beside the other runtime's default set. */
function capabilityText(caps: Capability[], theirs: Capability[]): string {
  if (caps.length === 0) return 'none';
  const more = caps.filter((c) => !theirs.includes(c));
  const fewer = theirs.filter((c) => !caps.includes(c));
  if (!more.length && !fewer.length) return `${caps.length}, the same`;
  return [`${caps.length}`, ...(more.length ? [`+ ${more.join(' ')}`] : []), ...(fewer.length ? [`− ${fewer.join(' ')}`] : [])].join(' ');
}

/** The 32-bit entry points (sub-architectures) a filter lets in beside x86_64. */
const entryPoints = (arches: Arch[]): string => arches.slice(1).join(' ') || 'none';

function profileTable(): string {
  const { references } = JSON.parse(readFileSync(join(repo, 'profiles', 'reference', 'sources.json'), 'utf8')) as { references: Reference[] };
  const refs = references.map((r) => ({ ...r, ...allowList(load(join('reference', r.file)), r.capabilities) }));
  const rows = ['| nook profile | compared with | capabilities | 32-bit entry points | allows, the other does not | the other allows, it does not |', '|---|---|---|---|---|---|'];
  for (const name of OURS) {
    const p = load(`${name}.json`);
    const caps = capabilitiesUnder(p);
    const ours = allowList(p, caps);
    for (const r of refs) {
      const head = `| \`${name}\` | ${r.name}'s default | ${capabilityText(caps, r.capabilities)} |`;
      if (!ours.grants) {
        rows.push(`${head} all | every system call: no filter | nothing |`);
        continue;
      }
      const [a, b] = [entryPoints(ours.arches), entryPoints(r.arches)];
      const { more, less } = compareAllowed(ours.grants, r.grants!, existsOnBoth(ours.arches, r.arches));
      rows.push(`${head} ${a === b ? `${a}, the same` : `${a} (the other: ${b})`} | ${cell(more)} | ${cell(less)} |`);
    }
  }
  const sources = refs.map((r) => `${r.name}: ${r.repo} \`${r.path}\` at ${r.commit.slice(0, 12)}`).join('; ');
  return [
    START,
    `Generated by \`npm run profile-table\` from \`profiles/\` and the copies in \`profiles/reference/\` (${sources}).`,
    `For an x86_64 host, Linux ${KERNEL.join('.')} or later, each runtime with its default capabilities (\`profiles/reference/sources.json\` names where they come from; a nook profile may drop some). System calls count where both filters apply: on the entry points both let in. "For other arguments": allowed by both, with different argument filters. Names in braces share a stem.`,
    '',
    ...rows,
    END,
  ].join('\n');
}

function replaceSection(readme: string, section: string): string {
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md has no ${START} ... ${END} section`);
  return readme.slice(0, a) + section + readme.slice(b + END.length);
}

const table = profileTable();
if (process.argv.includes('--print')) {
  process.stdout.write(table + '\n');
} else {
  const file = join(repo, 'README.md');
  writeFileSync(file, replaceSection(readFileSync(file, 'utf8'), table));
}
