// `nook import --change`: the Dockerfile instructions Docker accepts there, applied to an
// image config (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR). Pure.
import { NookError } from '../../errors.js';
import type { OciImageConfig } from '../media-types.js';

type Config = NonNullable<OciImageConfig['config']>;

/** A JSON array of strings (exec form), or undefined for the shell form. */
function execForm(arg: string): string[] | undefined {
  if (!arg.startsWith('[')) return undefined;
  try {
    const v = JSON.parse(arg) as unknown;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  } catch {
    // not JSON: Docker then takes it as the shell form
  }
  return undefined;
}

/** KEY=VALUE pairs (quotes allowed), or the old `KEY VALUE` form. */
function pairs(arg: string, instruction: string): Array<[string, string]> {
  if (!arg.includes('=')) {
    const sp = arg.search(/\s/);
    if (sp < 0) throw new NookError(`--change "${instruction} ${arg}": needs KEY=VALUE`);
    return [[arg.slice(0, sp), arg.slice(sp).trim()]];
  }
  const out: Array<[string, string]> = [];
  const re = /([^\s=]+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g;
  let used = 0;
  for (let m = re.exec(arg); m; m = re.exec(arg)) {
    if (arg.slice(used, m.index).trim() !== '') break;
    const raw = m[2]!;
    out.push([m[1]!, raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw.startsWith("'") ? raw.slice(1, -1) : raw]);
    used = re.lastIndex;
  }
  if (arg.slice(used).trim() !== '' || out.length === 0) throw new NookError(`--change "${instruction} ${arg}": cannot parse; use KEY=VALUE pairs`);
  return out;
}

export function applyChange(config: Config, change: string): Config {
  const m = /^\s*(\w+)\s+([\s\S]*?)\s*$/.exec(change);
  if (!m) throw new NookError(`--change "${change}": expected an instruction and its argument, e.g. CMD ["sh"]`);
  const instruction = m[1]!.toUpperCase();
  const arg = m[2]!;
  const c: Config = { ...config };
  switch (instruction) {
    case 'CMD':
      c.Cmd = execForm(arg) ?? ['/bin/sh', '-c', arg];
      break;
    case 'ENTRYPOINT':
      c.Entrypoint = execForm(arg) ?? ['/bin/sh', '-c', arg];
      break;
    case 'ENV': {
      const env = [...(c.Env ?? [])];
      for (const [k, v] of pairs(arg, instruction)) {
        const at = env.findIndex((e) => e.startsWith(`${k}=`));
        if (at >= 0) env[at] = `${k}=${v}`;
        else env.push(`${k}=${v}`);
      }
      c.Env = env;
      break;
    }
    case 'LABEL':
      c.Labels = { ...c.Labels, ...Object.fromEntries(pairs(arg, instruction)) };
      break;
    case 'EXPOSE': {
      const ports = { ...c.ExposedPorts };
      for (const p of arg.split(/\s+/)) {
        if (!/^\d+(\/(tcp|udp|sctp))?$/.test(p)) throw new NookError(`--change "EXPOSE ${arg}": "${p}" is not PORT[/tcp|udp|sctp]`);
        ports[p.includes('/') ? p : `${p}/tcp`] = {};
      }
      c.ExposedPorts = ports;
      break;
    }
    case 'VOLUME': {
      const vols = { ...c.Volumes };
      for (const v of execForm(arg) ?? arg.split(/\s+/)) vols[v] = {};
      c.Volumes = vols;
      break;
    }
    case 'USER':
      c.User = arg;
      break;
    case 'WORKDIR':
      c.WorkingDir = arg;
      break;
    case 'STOPSIGNAL':
      c.StopSignal = arg;
      break;
    default:
      throw new NookError(`--change "${change}": ${instruction} is not supported`, { hint: 'use CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME or WORKDIR' });
  }
  return c;
}
