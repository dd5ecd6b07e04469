// The container's /etc/hosts, /etc/resolv.conf and /etc/hostname, as text. Pure: the host's
// files come in as strings, the caller writes the results into the container dir.
import { isIP } from '../util/ip.js';
import { fail } from '../errors.js';

export interface ExtraHost { name: string; ip: string }

/** `--add-host NAME:IP` (or NAME=IP); IP may be `host-gateway`, resolved by the planner. */
export function parseAddHost(spec: string): ExtraHost {
  const sep = /[:=]/.exec(spec);
  const name = sep ? spec.slice(0, sep.index) : '';
  const ip = sep ? spec.slice(sep.index + 1).replace(/^\[(.*)\]$/, '$1') : '';
  if (!/^[a-zA-Z0-9]([a-zA-Z0-9._-]*[a-zA-Z0-9])?$/.test(name)) fail(`invalid --add-host "${spec}": "${name}" is not a host name`, 'use NAME:IP, e.g. --add-host db:10.0.0.5');
  if (ip !== 'host-gateway' && isIP(ip) === 0) fail(`invalid --add-host "${spec}": "${ip}" is not an IP address`, 'use NAME:IP or NAME:host-gateway');
  return { name, ip };
}

export interface ResolvConf { nameservers: string[]; search: string[]; options: string[] }

export function parseResolvConf(text: string): ResolvConf {
  const out: ResolvConf = { nameservers: [], search: [], options: [] };
  for (const raw of text.split('\n')) {
    const [key, ...values] = raw.replace(/[#;].*$/, '').trim().split(/\s+/);
    if (key === 'nameserver' && values[0]) out.nameservers.push(values[0]);
    // the last search/domain line wins, as in the resolver
    else if (key === 'search' || key === 'domain') out.search = values;
    else if (key === 'options') out.options.push(...values);
  }
  return out;
}

/** 127.0.0.0/8 and ::1: the host's own resolver, which a separate network namespace cannot reach. */
export function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1';
}

export interface ResolvInput {
  host: ResolvConf;
  /** the container's own network stack: the host's loopback resolvers are out of reach */
  ownNetwork: boolean;
  /** the helper's DNS forwarder, used when no host resolver is reachable */
  forwarder?: string | undefined;
  dns: string[];
  dnsSearch: string[];
  dnsOptions: string[];
}

/** Nameservers: --dns, else the host's reachable ones, else the helper's forwarder. */
export function resolvNameservers(input: Omit<ResolvInput, 'dnsSearch' | 'dnsOptions'>): string[] {
  if (input.dns.length > 0) return input.dns;
  const reachable = input.ownNetwork ? input.host.nameservers.filter((ip) => !isLoopback(ip)) : input.host.nameservers;
  if (reachable.length > 0) return reachable;
  return input.forwarder ? [input.forwarder] : [];
}

export function resolvConfText(input: ResolvInput): string {
  for (const ip of input.dns) if (isIP(ip) === 0) fail(`invalid --dns "${ip}": not an IP address`);
  const search = input.dnsSearch.length > 0 ? input.dnsSearch.filter((s) => s !== '.') : input.host.search;
  const options = input.dnsOptions.length > 0 ? input.dnsOptions : input.host.options;
  const lines = ['# written by nook for this container'];
  if (search.length > 0) lines.push(`search ${search.join(' ')}`);
  for (const ip of resolvNameservers(input)) lines.push(`nameserver ${ip}`);
  if (options.length > 0) lines.push(`options ${options.join(' ')}`);
  return lines.join('\n') + '\n';
}

export interface HostsInput {
  hostname: string;
  name: string;
  /** the container's own address, which its names resolve to */
  address: string;
  extra: ExtraHost[];
  /** with the host's network, the host's own /etc/hosts comes first */
  base?: string | undefined;
}

export function hostsText(input: HostsInput): string {
  const lines = input.base !== undefined
    ? [input.base.replace(/\n*$/, '')]
    : [
        '127.0.0.1\tlocalhost',
        '::1\tlocalhost ip6-localhost ip6-loopback',
        'fe00::0\tip6-localnet',
        'ff00::0\tip6-mcastprefix',
        'ff02::1\tip6-allnodes',
        'ff02::2\tip6-allrouters',
      ];
  for (const h of input.extra) lines.push(`${h.ip}\t${h.name}`);
  const names = [...new Set([input.hostname, input.name])];
  lines.push(`${input.address}\t${names.join(' ')}`);
  return lines.join('\n') + '\n';
}

export function hostnameText(hostname: string): string {
  return `${hostname}\n`;
}
