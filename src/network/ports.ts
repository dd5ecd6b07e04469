// Published ports: `-p [IP:][HOSTPORT:]CTRPORT[/tcp|/udp]` (with ranges) and `-P` (the
// image's ExposedPorts), parsed into one mapping per port. Pure: choosing free host ports for
// host port 0 and checking that a port is free happen in check.ts.
import { isIP } from '../util/ip.js';
import { fail } from '../errors.js';

export type Protocol = 'tcp' | 'udp';

export interface PortMapping {
  /** '' = every address of the host */
  hostIp: string;
  /** 0 = a free port chosen when the container starts */
  hostPort: number;
  containerPort: number;
  protocol: Protocol;
}

const USAGE = 'use [IP:][HOSTPORT:]CTRPORT[/tcp|/udp], e.g. -p 8080:80 or -p 127.0.0.1:5353:53/udp';

interface Range { first: number; count: number }

function parseRange(text: string, spec: string, what: string): Range {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  if (!m) fail(`invalid port mapping "${spec}": ${what} "${text}" is not a port or range`, USAGE);
  const first = Number(m[1]);
  const last = m[2] === undefined ? first : Number(m[2]);
  const lowest = what === 'host port' ? 0 : 1;
  if (first < lowest || last > 65535) fail(`invalid port mapping "${spec}": ${what} ${text} is outside ${lowest}-65535`, USAGE);
  if (last < first) fail(`invalid port mapping "${spec}": the range ${text} ends before it starts`, USAGE);
  return { first, count: last - first + 1 };
}

function parseProtocol(text: string | undefined, spec: string): Protocol {
  if (text === undefined || text === 'tcp') return 'tcp';
  if (text === 'udp') return 'udp';
  fail(`invalid port mapping "${spec}": protocol "${text}" is not supported`, 'use /tcp or /udp');
}

/** Splits off a leading IP: `[v6]:...` or `v4:...` (only when three fields are given). */
function splitAddress(body: string, spec: string): { ip: string; rest: string[] } {
  if (body.startsWith('[')) {
    const end = body.indexOf(']');
    if (end < 0 || body[end + 1] !== ':') fail(`invalid port mapping "${spec}": unterminated IPv6 address`, USAGE);
    return { ip: body.slice(1, end), rest: body.slice(end + 2).split(':') };
  }
  const fields = body.split(':');
  if (fields.length > 3) fail(`invalid port mapping "${spec}": too many ":"`, 'write an IPv6 address in brackets: [::1]:8080:80');
  return fields.length === 3 ? { ip: fields[0]!, rest: fields.slice(1) } : { ip: '', rest: fields };
}

/** One `-p` value, expanded to one mapping per port. */
export function parsePublish(spec: string): PortMapping[] {
  const slash = spec.lastIndexOf('/');
  const protocol = parseProtocol(slash >= 0 ? spec.slice(slash + 1) : undefined, spec);
  const body = slash >= 0 ? spec.slice(0, slash) : spec;
  const { ip, rest } = splitAddress(body, spec);
  if (ip !== '' && isIP(ip) === 0) fail(`invalid port mapping "${spec}": "${ip}" is not an IP address`, USAGE);
  const hostText = rest.length === 2 ? rest[0]! : '';
  const ctrText = rest.at(-1)!;
  const ctr = parseRange(ctrText, spec, 'container port');
  const host = hostText === '' ? { first: 0, count: ctr.count } : parseRange(hostText, spec, 'host port');
  if (hostText !== '' && host.first === 0 && host.count > 1) fail(`invalid port mapping "${spec}": host port 0 cannot be a range`, USAGE);
  if (host.first !== 0 && host.count !== ctr.count) {
    fail(`invalid port mapping "${spec}": the host range has ${host.count} ports, the container range ${ctr.count}`, 'give ranges of equal length, e.g. 8000-8010:80-90');
  }
  const out: PortMapping[] = [];
  for (let i = 0; i < ctr.count; i++) {
    out.push({ hostIp: ip, hostPort: host.first === 0 ? 0 : host.first + i, containerPort: ctr.first + i, protocol });
  }
  return out;
}

/** `-P`: every port the image exposes ("80/tcp", "53/udp", "8000-8002/tcp") on a free host port. */
export function exposedPorts(exposed: Record<string, unknown> | undefined): PortMapping[] {
  const out: PortMapping[] = [];
  for (const key of Object.keys(exposed ?? {})) {
    const [port, proto] = key.split('/');
    const ctr = parseRange(port ?? '', key, 'exposed port');
    const protocol = parseProtocol(proto, key);
    for (let i = 0; i < ctr.count; i++) out.push({ hostIp: '', hostPort: 0, containerPort: ctr.first + i, protocol });
  }
  return out;
}

/** `-p` mappings first, then `-P` ones for container ports not already published; no host port twice. */
export function combinePorts(publish: PortMapping[], publishAll: PortMapping[]): PortMapping[] {
  const published = new Set(publish.map((m) => `${m.protocol}/${m.containerPort}`));
  const all = [...publish, ...publishAll.filter((m) => !published.has(`${m.protocol}/${m.containerPort}`))];
  // protocol/port -> the host addresses it is published on ('' = all of them)
  const taken = new Map<string, Set<string>>();
  for (const m of all) {
    if (m.hostPort === 0) continue;
    const key = `${m.protocol}/${m.hostPort}`;
    const ips = taken.get(key) ?? new Set<string>();
    if (ips.has(m.hostIp) || ips.has('') || (m.hostIp === '' && ips.size > 0)) {
      fail(`host port ${m.hostPort}/${m.protocol} is published twice`, 'give each -p its own host port');
    }
    taken.set(key, ips.add(m.hostIp));
  }
  return all;
}
