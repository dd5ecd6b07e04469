// What one profile allows that another does not, as the planner would compile them for one
// target: for the README's table of nook's profiles against Docker's and podman's defaults
// (scripts/profile-table.ts). Pure.
import type { Arch } from './arches.js';
import type { Profile } from './profile.js';
import { planFilter, type Target } from './select.js';

/** How much of a system call a filter lets through: all of it, or calls whose arguments match one of `when`. */
export type Grant = { all: true } | { all: false; when: string };

/**
 * The filter's allow list, or undefined when its default action allows (a list of refusals,
 * which the table describes rather than compares); `arches`: the entry points it lets in,
 * the native one first.
 */
export interface Allowed {
  arches: Arch[];
  grants: Map<string, Grant> | undefined;
}

const ALLOWING = new Set(['SCMP_ACT_ALLOW', 'SCMP_ACT_LOG']);

export function allowedBy(profile: Profile, target: Target): Allowed {
  const plan = planFilter(profile, target);
  if (ALLOWING.has(plan.defaultAction.name)) return { arches: plan.arches, grants: undefined };
  const conditions = new Map<string, string[]>();
  const unconditional = new Set<string>();
  for (const rule of plan.rules) {
    if (!ALLOWING.has(rule.action.name)) continue;
    if (rule.args.length === 0) unconditional.add(rule.name);
    else conditions.set(rule.name, [...(conditions.get(rule.name) ?? []), rule.args.map((a) => `${a.index}${a.op}${a.value}/${a.valueTwo}`).join('&')]);
  }
  const grants = new Map<string, Grant>();
  for (const [name, when] of conditions) grants.set(name, { all: false, when: [...new Set(when)].sort().join('|') });
  for (const name of unconditional) grants.set(name, { all: true });
  // An unconditional refusal of a call wins over its conditional allows (libseccomp keeps it).
  for (const rule of plan.rules) if (!ALLOWING.has(rule.action.name) && rule.args.length === 0) grants.delete(rule.name);
  return { arches: plan.arches, grants };
}

/** One side's extra: calls it allows whole where the other does not, and calls it allows for arguments the other refuses. */
export interface Extra {
  whole: string[];
  someArgs: string[];
}

/**
 * Both sides must be allow lists (a profile that allows everything is described, not diffed).
 * Calls allowed for different arguments on the two sides count on both sides; only names
 * `compared` accepts count at all (those that exist where both filters apply).
 */
export function compareAllowed(here: Map<string, Grant>, there: Map<string, Grant>, compared: (name: string) => boolean): { more: Extra; less: Extra } {
  const extra = (a: Map<string, Grant>, b: Map<string, Grant>): Extra => {
    const out: Extra = { whole: [], someArgs: [] };
    for (const [name, g] of [...a].filter(([n]) => compared(n)).sort(([x], [y]) => (x < y ? -1 : 1))) {
      const other = b.get(name);
      if (g.all && !other?.all) out.whole.push(name);
      else if (!g.all && !other?.all && other?.when !== g.when) out.someArgs.push(name);
    }
    return out;
  };
  return { more: extra(here, there), less: extra(there, here) };
}

/**
 * Names, compactly: variants that differ by a 32/64 suffix share one entry (`chown{,32}`), and
 * entries with the same stem before their last `_` share it (`io_uring_{enter,setup}`).
 */
export function compactNames(names: string[]): string {
  const variants = new Map<string, string[]>();
  for (const n of [...names].sort()) {
    const base = n.replace(/(32|64)$/, '');
    const key = names.includes(base) ? base : n;
    variants.set(key, [...(variants.get(key) ?? []), n.slice(key.length)]);
  }
  const entries = [...variants].map(([base, suffixes]) => (suffixes.length > 1 ? `${base}{${suffixes.join(',')}}` : base + suffixes[0]));
  const stems = new Map<string, string[]>();
  for (const e of entries) {
    const cut = e.replace(/\{.*$/, '').lastIndexOf('_');
    const stem = cut > 0 ? e.slice(0, cut + 1) : e;
    stems.set(stem, [...(stems.get(stem) ?? []), e.slice(stem.length)]);
  }
  return [...stems].map(([stem, rest]) => (rest.length > 1 ? `${stem}{${rest.join(',')}}` : stem + rest[0])).join(' ');
}
