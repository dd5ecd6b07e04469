// `ps --filter`: Docker's keys and their matching rules. Pure.
import { NookError } from '../errors.js';
import type { Container } from './state.js';
import type { Status } from './status.js';
import { filterKeyValue, splitKeyValue } from '../util/key-value.js';

export interface PsFilters {
  name: string[];
  status: Status[];
  label: Array<{ key: string; value?: string }>;
  ancestor: string[];
  exited: number[];
  id: string[];
}

const STATUSES: Status[] = ['created', 'restarting', 'running', 'paused', 'exited', 'dead'];

export function parseFilters(args: string[]): PsFilters {
  const f: PsFilters = { name: [], status: [], label: [], ancestor: [], exited: [], id: [] };
  for (const arg of args) {
    const [name, value] = filterKeyValue(arg);
    const key = name.toLowerCase();
    if (key === 'name') f.name.push(value);
    else if (key === 'id') f.id.push(value);
    else if (key === 'ancestor') f.ancestor.push(value);
    else if (key === 'status') {
      if (!STATUSES.includes(value as Status)) throw new NookError(`invalid filter 'status=${value}'`, { hint: `one of ${STATUSES.join(', ')}` });
      f.status.push(value as Status);
    } else if (key === 'exited') {
      if (!/^-?\d+$/.test(value)) throw new NookError(`invalid filter 'exited=${value}'`, { hint: 'an exit code' });
      f.exited.push(Number(value));
    } else if (key === 'label') {
      const [k, v] = splitKeyValue(value);
      f.label.push(v === undefined ? { key: k } : { key: k, value: v });
    } else {
      throw new NookError(`invalid filter '${key}'`, { hint: 'supported: name, id, status, label, ancestor, exited' });
    }
  }
  return f;
}

/** Does a filter ask for stopped containers too (as -a does)? Docker: status and exited do. */
export const filtersNeedAll = (f: PsFilters): boolean => f.status.length > 0 || f.exited.length > 0;

function regexOf(pattern: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch {
    throw new NookError(`invalid filter regular expression: ${pattern}`);
  }
}

/** The image name as written, or without a :latest tag (ancestor=busybox matches busybox:latest). */
const sameImage = (image: string, wanted: string) => image === wanted || image.replace(/:latest$/, '') === wanted.replace(/:latest$/, '');

/** Each key must match; several values of one key match when any does (Docker's rule). */
export function matchesFilters(c: Container, f: PsFilters): boolean {
  if (f.name.length && !f.name.some((n) => regexOf(n).test(c.config.name))) return false;
  if (f.id.length && !f.id.some((p) => c.id.startsWith(p))) return false;
  if (f.status.length && !f.status.includes(c.state.status)) return false;
  if (f.ancestor.length && !f.ancestor.some((a) => sameImage(c.config.image, a))) return false;
  if (f.exited.length && (c.state.status !== 'exited' || !f.exited.includes(c.state.exitCode))) return false;
  const labels = c.config.labels ?? {};
  for (const l of f.label) {
    if (!(l.key in labels)) return false;
    if (l.value !== undefined && labels[l.key] !== l.value) return false;
  }
  return true;
}
