// Small parsers of other programs' output, kept pure for the unit tests.

/** The first non-empty line, trimmed. */
export function firstLine(text: string): string {
  return text.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? '';
}

/**
 * The version from `NAME --version` output: the line that starts with the name, minus the name
 * and the word "version" (`slirp4netns version 1.2.0` -> `1.2.0`, `fuse-overlayfs: version 1.10`
 * -> `1.10`, Debian's `pasta unknown version` -> `unknown version`).
 */
export function versionFrom(name: string, output: string): string {
  const line = output.split('\n').map((l) => l.trim()).find((l) => l.startsWith(name)) ?? firstLine(output);
  const rest = line.startsWith(name) ? line.slice(name.length) : line;
  return rest.replace(/^:?\s*(version\b\s*)?/, '').trim() || 'unknown version';
}

/**
 * Whether `getcap FILE` output grants `cap` in the effective and permitted sets. Clauses look
 * like `cap_setuid=ep`, `cap_setgid,cap_setuid+ep` (old libcap) or `=ep` (every capability).
 */
export function grantsCap(getcapOutput: string, cap: string): boolean {
  const text = getcapOutput.trim();
  // getcap prints `PATH CLAUSES`; the path itself may hold spaces, the clauses follow the last one
  // that precedes the first clause.
  const clauses = text.slice(text.search(/\s(cap_|=|all=)/) + 1).split(/\s+/);
  return clauses.some((clause) => {
    const m = /^([a-z_,]*)([=+])([eip]*)$/.exec(clause);
    if (!m) return false;
    const names = m[1]!.split(',').filter(Boolean);
    const covers = names.length === 0 || names.includes('all') || names.includes(cap);
    return covers && m[3]!.includes('e') && m[3]!.includes('p');
  });
}
