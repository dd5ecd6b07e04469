// `-v SRC:DST[:ro|rw]` and `--tmpfs PATH[:size=N,mode=M]` as Docker reads them. Pure.
import { fail } from '../errors.js';
import { splitKeyValue } from '../util/key-value.js';

export interface BindSpec { source: string; target: string; readonly: boolean }
/** `-v NAME:/path` (name) or `-v /path` (anonymous: name undefined) */
export interface VolumeSpec { volume: string | undefined; target: string; readonly: boolean }
export interface TmpfsSpec { target: string; options: string }

function checkTarget(target: string, flag: string): string {
  if (!target.startsWith('/')) fail(`invalid ${flag} target "${target}": must be an absolute path`);
  if (target.split('/').includes('..')) fail(`invalid ${flag} target "${target}": must not contain ".."`);
  const norm = target.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
  if (norm === '/') fail(`invalid ${flag} target "${target}": cannot mount over /`);
  return norm;
}

const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

function readonlyOption(mode: string | undefined, spec: string): boolean {
  let readonly = false;
  for (const opt of (mode ?? '').split(',').filter(Boolean)) {
    if (opt === 'ro') readonly = true;
    else if (opt !== 'rw' && opt !== 'z' && opt !== 'Z') fail(`invalid volume option "${opt}" in "${spec}"`, 'use ro or rw');
  }
  return readonly;
}

/** Docker's -v: `/host:/ctr[:ro]` binds, `name:/ctr[:ro]` a named volume, `/ctr` an anonymous one. */
export function parseVolume(spec: string): BindSpec | VolumeSpec {
  const parts = spec.split(':');
  if (parts.length === 1 && parts[0]) return { volume: undefined, target: checkTarget(parts[0], '-v'), readonly: false };
  if (parts.length < 2 || parts.length > 3 || !parts[0] || !parts[1]) {
    fail(`invalid volume "${spec}"`, 'use -v /host/path:/container/path[:ro], -v NAME:/path or -v /path');
  }
  const [source, target, mode] = parts as [string, string, string | undefined];
  const readonly = readonlyOption(mode, spec);
  if (source.startsWith('/')) return { source, target: checkTarget(target, '-v'), readonly };
  if (!VOLUME_NAME.test(source)) fail(`invalid volume name "${source}" in "${spec}"`, 'names are [a-zA-Z0-9][a-zA-Z0-9_.-]*; host paths must be absolute');
  return { volume: source, target: checkTarget(target, '-v'), readonly };
}

/** `--mount type=bind|volume|tmpfs,source=..,target=..[,readonly][,tmpfs-size=..][,tmpfs-mode=..]` */
export function parseMount(spec: string): BindSpec | VolumeSpec | TmpfsSpec {
  const kv = new Map<string, string>();
  for (const field of spec.split(',')) {
    const [key, given] = splitKeyValue(field);
    const value = given ?? 'true';
    const canonical = key === 'src' ? 'source' : key === 'dst' || key === 'destination' ? 'target' : key === 'ro' ? 'readonly' : key;
    kv.set(canonical, value);
  }
  const type = kv.get('type') ?? 'volume';
  const target = kv.get('target');
  if (!target) fail(`invalid --mount "${spec}": target is required`);
  const readonly = kv.has('readonly') && kv.get('readonly') !== 'false' && kv.get('readonly') !== '0';
  for (const key of kv.keys()) {
    if (!['type', 'source', 'target', 'readonly', 'tmpfs-size', 'tmpfs-mode', 'bind-propagation', 'volume-nocopy'].includes(key)) {
      fail(`invalid --mount "${spec}": unknown field "${key}"`);
    }
  }
  if (type === 'bind') {
    const source = kv.get('source');
    if (!source?.startsWith('/')) fail(`invalid --mount "${spec}": a bind needs an absolute source`);
    return { source, target: checkTarget(target, '--mount'), readonly };
  }
  if (type === 'volume') {
    const source = kv.get('source');
    if (source !== undefined && !VOLUME_NAME.test(source)) fail(`invalid --mount "${spec}": bad volume name "${source}"`);
    return { volume: source, target: checkTarget(target, '--mount'), readonly };
  }
  if (type === 'tmpfs') {
    const opts = [kv.has('tmpfs-size') ? `size=${kv.get('tmpfs-size')}` : '', kv.has('tmpfs-mode') ? `mode=${kv.get('tmpfs-mode')}` : ''].filter(Boolean).join(',');
    return parseTmpfs(opts ? `${target}:${opts}` : target);
  }
  fail(`invalid --mount "${spec}": type must be bind, volume or tmpfs`);
}

const SIZE = /^\d+[kmgKMG%]?$/;

export function parseTmpfs(spec: string): TmpfsSpec {
  const colon = spec.indexOf(':');
  const target = checkTarget(colon < 0 ? spec : spec.slice(0, colon), '--tmpfs');
  const opts = colon < 0 ? [] : spec.slice(colon + 1).split(',').filter(Boolean);
  const out: string[] = [];
  let mode = 'mode=1777';
  for (const o of opts) {
    const [k, v] = splitKeyValue(o);
    if (k === 'size' && v && SIZE.test(v)) out.push(`size=${v}`);
    else if (k === 'mode' && v && /^[0-7]{3,4}$/.test(v)) mode = `mode=${v}`;
    else if (k === 'nr_inodes' && v && /^\d+[kmg]?$/.test(v)) out.push(`nr_inodes=${v}`);
    else if ((k === 'uid' || k === 'gid') && v && /^\d+$/.test(v)) out.push(`${k}=${v}`);
    else if (o === 'rw' || o === 'nosuid' || o === 'nodev') continue; // what every tmpfs gets anyway
    else fail(`invalid --tmpfs option "${o}" in "${spec}"`, 'supported: size=N[k|m|g], mode=OCTAL, nr_inodes=N, uid=N, gid=N');
  }
  return { target, options: [mode, ...out].join(',') };
}
