// `-v SRC:DST[:ro|rw]` and `--tmpfs PATH[:size=N,mode=M]` as Docker reads them. Pure.
import { fail } from '../errors.js';

export interface BindSpec { source: string; target: string; readonly: boolean }
export interface TmpfsSpec { target: string; options: string }

function checkTarget(target: string, flag: string): string {
  if (!target.startsWith('/')) fail(`invalid ${flag} target "${target}": must be an absolute path`);
  if (target.split('/').includes('..')) fail(`invalid ${flag} target "${target}": must not contain ".."`);
  const norm = target.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
  if (norm === '/') fail(`invalid ${flag} target "${target}": cannot mount over /`);
  return norm;
}

export function parseVolume(spec: string): BindSpec {
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3 || !parts[0] || !parts[1]) {
    fail(`invalid volume "${spec}"`, 'use -v /host/path:/container/path[:ro]');
  }
  const [source, target, mode] = parts as [string, string, string | undefined];
  if (!source.startsWith('/')) {
    fail(`invalid volume "${spec}": named volumes are not supported yet`, 'use an absolute host path');
  }
  let readonly = false;
  for (const opt of (mode ?? '').split(',').filter(Boolean)) {
    if (opt === 'ro') readonly = true;
    else if (opt !== 'rw' && opt !== 'z' && opt !== 'Z') fail(`invalid volume option "${opt}" in "${spec}"`, 'use ro or rw');
  }
  return { source, target: checkTarget(target, '-v'), readonly };
}

const SIZE = /^\d+[kmgKMG%]?$/;

export function parseTmpfs(spec: string): TmpfsSpec {
  const colon = spec.indexOf(':');
  const target = checkTarget(colon < 0 ? spec : spec.slice(0, colon), '--tmpfs');
  const opts = colon < 0 ? [] : spec.slice(colon + 1).split(',').filter(Boolean);
  const out: string[] = [];
  let mode = 'mode=1777';
  for (const o of opts) {
    const [k, v] = o.split('=');
    if (k === 'size' && v && SIZE.test(v)) out.push(`size=${v}`);
    else if (k === 'mode' && v && /^[0-7]{3,4}$/.test(v)) mode = `mode=${v}`;
    else if (k === 'nr_inodes' && v && /^\d+[kmg]?$/.test(v)) out.push(`nr_inodes=${v}`);
    else if ((k === 'uid' || k === 'gid') && v && /^\d+$/.test(v)) out.push(`${k}=${v}`);
    else if (o === 'rw' || o === 'nosuid' || o === 'nodev') continue; // what every tmpfs gets anyway
    else fail(`invalid --tmpfs option "${o}" in "${spec}"`, 'supported: size=N[k|m|g], mode=OCTAL, nr_inodes=N, uid=N, gid=N');
  }
  return { target, options: [mode, ...out].join(',') };
}
