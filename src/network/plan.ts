// Pure network planning: the mode, the helper's command line, the sysctls and the container's
// hosts/resolv.conf/hostname, from facts gathered by run.ts (helpers installed, the host's
// files, the chosen host ports). No file system, no processes.
import { fail } from '../errors.js';
import { hostnameText, hostsText, isLoopback, parseResolvConf, resolvConfText, type ExtraHost } from './files.js';
import { pastaArgv, slirp4netnsArgv } from './helper-argv.js';
import type { InstalledHelpers } from './helpers.js';
import type { PortMapping } from './ports.js';
import { splitKeyValue } from '../util/key-value.js';

export type NetworkMode =
  | { kind: 'auto' | 'pasta' | 'slirp4netns' | 'none' | 'host' }
  | { kind: 'container'; container: string };

export interface NetworkOptions {
  allowHostLoopback: boolean;
  mtu: number;
  /** slirp4netns only */
  cidr?: string | undefined;
}

export const DEFAULT_MTU = 65520;
/** pasta answers DNS queries sent here with the host's resolver (podman uses the same address). */
export const PASTA_DNS_FORWARDER = '169.254.1.1';

const MODE_HINT = 'use --network pasta, slirp4netns, none, host or container:NAME';

/** `--network` text: `pasta[:OPT=V,...]`, `slirp4netns[:...]`, `none`, `host`, `container:NAME`, `auto`. */
export function parseNetworkMode(text: string): { mode: NetworkMode; options: string[] } {
  const colon = text.indexOf(':');
  const head = colon < 0 ? text : text.slice(0, colon);
  const rest = colon < 0 ? '' : text.slice(colon + 1);
  if (head === 'container') {
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(rest)) fail(`invalid --network "${text}": "${rest}" is not a container name or id`, 'use container:NAME');
    return { mode: { kind: 'container', container: rest }, options: [] };
  }
  if (head === 'pasta' || head === 'slirp4netns') return { mode: { kind: head }, options: rest ? rest.split(',') : [] };
  if ((head === 'none' || head === 'host' || head === 'auto') && colon < 0) return { mode: { kind: head }, options: [] };
  fail(`unknown network mode "${text}"`, MODE_HINT);
}

function parseBool(key: string, value: string): boolean {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  fail(`network option ${key}=${value}: expected true or false`);
}

/** `allow_host_loopback=true`, `mtu=1500`, `cidr=10.0.3.0/24`; later ones win. */
export function parseNetworkOptions(specs: string[]): NetworkOptions {
  const out: NetworkOptions = { allowHostLoopback: false, mtu: DEFAULT_MTU };
  for (const spec of specs) {
    const [key, given] = splitKeyValue(spec);
    const value = given ?? 'true';
    if (key === 'allow_host_loopback') out.allowHostLoopback = parseBool(key, value);
    else if (key === 'mtu') {
      const n = Number(value);
      if (!/^\d+$/.test(value) || n < 68 || n > 65520) fail(`network option mtu=${value}: expected a number from 68 to 65520`);
      out.mtu = n;
    } else if (key === 'cidr') {
      if (!/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.0\/(1[6-9]|2[0-4])$/.test(value)) fail(`network option cidr=${value}: expected an IPv4 network such as 10.0.3.0/24`);
      out.cidr = value;
    } else fail(`unknown network option "${key}"`, 'supported: allow_host_loopback=true|false, mtu=N, cidr=A.B.C.0/N (slirp4netns)');
  }
  return out;
}

/** slirp4netns' fixed places in its network: the host at .2, DNS at .3, the container at .100. */
export function slirpAddresses(cidr = '10.0.2.0/24'): { gateway: string; dns: string; container: string } {
  const base = cidr.split('/')[0]!.split('.').slice(0, 3).join('.');
  return { gateway: `${base}.2`, dns: `${base}.3`, container: `${base}.100` };
}

export interface HostFacts {
  resolvConf: string;
  /** the host's /etc/hosts, used as is with --network host */
  hosts: string;
  /** the IPv4 gateway of the host's default route (pasta copies it into the container) */
  gateway?: string | undefined;
  /** the host's IPv4 address on that route (pasta gives the container the same) */
  address?: string | undefined;
}

export interface NetworkInput {
  mode: NetworkMode;
  options: NetworkOptions;
  helpers: InstalledHelpers;
  /** host ports already resolved (no 0 left) */
  ports: PortMapping[];
  hostname: string;
  name: string;
  addHosts: ExtraHost[];
  dns: string[];
  dnsSearch: string[];
  dnsOptions: string[];
  macAddress?: string | undefined;
  host: HostFacts;
  /** gids 0..gidCount-1 are mapped in the container */
  gidCount: number;
}

export interface NetworkPlan {
  mode: 'pasta' | 'slirp4netns' | 'none' | 'host' | 'container';
  unshareNet: boolean;
  /** argv with @PID@ and @READY_FD@, for the `net-helper` directive */
  helper?: string[];
  /** the ports the launcher's own forwarder publishes (`publish` directives) */
  forwarded: PortMapping[];
  sysctls: Array<[string, string]>;
  files: { hosts?: string; resolvConf?: string; hostname: string };
  ports: PortMapping[];
  /** `container:NAME`: enter that container's user and network namespaces */
  join?: { container: string };
  notices: string[];
}

function chooseMode(mode: NetworkMode, helpers: InstalledHelpers, notices: string[]): NetworkPlan['mode'] {
  if (mode.kind === 'auto') {
    if (helpers.pasta) return 'pasta';
    if (helpers.slirp4netns) return 'slirp4netns';
    notices.push('neither pasta nor slirp4netns is installed: the container has no network (--network none); install passt (apt-get install passt) for one');
    return 'none';
  }
  if ((mode.kind === 'pasta' || mode.kind === 'slirp4netns') && !helpers[mode.kind]) {
    fail(`--network ${mode.kind}: ${mode.kind} is not installed`, mode.kind === 'pasta' ? 'apt-get install passt' : 'apt-get install slirp4netns');
  }
  return mode.kind;
}

/** Docker's container defaults for a network namespace of its own. */
function ownNetworkSysctls(gidCount: number): Array<[string, string]> {
  return [
    // ICMP echo sockets for every group of the container, so ping works without privileges.
    ['net.ipv4.ping_group_range', `0 ${Math.max(0, gidCount - 1)}`],
    // The namespace's ports are the container's own: any user in it may bind 80.
    ['net.ipv4.ip_unprivileged_port_start', '0'],
  ];
}

/**
 * Which published ports the launcher's forwarder carries rather than the helper:
 * - slirp4netns: all. Its own forwarding runs through its userspace TCP stack (0.2x of
 *   loopback in bench/network.mjs, where splice() in the forwarder keeps most of it), and
 *   replies to UDP clients on the host's loopback get lost in slirp4netns 1.2.
 * - pasta: UDP. pasta keeps TCP, where it shows the container each client's real address.
 *   pasta 2023-03 (Debian 12) drops the replies on its spliced UDP path whenever the
 *   container port is below the host port (its reverse port map is indexed past its end).
 */
export function forwarderPorts(mode: NetworkPlan['mode'], ports: PortMapping[]): { helper: PortMapping[]; forwarded: PortMapping[] } {
  if (mode === 'slirp4netns') return { helper: [], forwarded: ports };
  if (mode === 'pasta') return { helper: ports.filter((p) => p.protocol === 'tcp'), forwarded: ports.filter((p) => p.protocol === 'udp') };
  return { helper: [], forwarded: [] };
}

export function planNetwork(input: NetworkInput): NetworkPlan {
  const notices: string[] = [];
  const mode = chooseMode(input.mode, input.helpers, notices);
  const hostname = hostnameText(input.hostname);
  if (mode === 'container') {
    if (input.ports.length > 0) fail('ports cannot be published with --network container:NAME', 'publish them on the container whose network is joined');
    if (input.macAddress) fail('--mac-address cannot be used with --network container:NAME');
    if (input.addHosts.length || input.dns.length || input.dnsSearch.length || input.dnsOptions.length) {
      fail('--add-host and --dns* cannot be used with --network container:NAME', 'the joined container\'s /etc/hosts and /etc/resolv.conf are shared');
    }
    return { mode, unshareNet: false, sysctls: [], files: { hostname }, ports: [], forwarded: [], join: { container: (input.mode as { container: string }).container }, notices };
  }
  if (input.macAddress && (mode === 'none' || mode === 'host')) fail(`--mac-address cannot be used with --network ${mode}`);
  if (input.ports.length > 0 && mode === 'none') fail('ports cannot be published with --network none', 'choose --network pasta or slirp4netns');
  if (input.ports.length > 0 && mode === 'host') notices.push('published ports are ignored with --network host: the container uses the host\'s ports directly');
  if (input.options.cidr && mode !== 'slirp4netns') fail('network option cidr is for --network slirp4netns only');

  const resolv = parseResolvConf(input.host.resolvConf);
  const slirp = slirpAddresses(input.options.cidr);
  // What reaches the host from inside (host-gateway), where DNS goes, and our own address.
  let gateway: string | undefined;
  let forwarder: string | undefined;
  let address = '127.0.0.1';
  let helper: string[] | undefined;
  const split = forwarderPorts(mode, input.ports);
  const helperOptions = { mtu: input.options.mtu, allowHostLoopback: input.options.allowHostLoopback, macAddress: input.macAddress, ports: split.helper };
  if (mode === 'pasta') {
    // pasta's gateway is the host's loopback only when mapped (allow_host_loopback).
    gateway = input.options.allowHostLoopback ? input.host.gateway : undefined;
    address = input.host.address ?? address;
    forwarder = input.dns.length === 0 && resolv.nameservers.every(isLoopback) ? PASTA_DNS_FORWARDER : undefined;
    helper = pastaArgv(input.helpers.pasta!, { ...helperOptions, dnsForward: forwarder });
  } else if (mode === 'slirp4netns') {
    gateway = input.options.allowHostLoopback ? slirp.gateway : undefined;
    forwarder = slirp.dns;
    address = slirp.container;
    helper = slirp4netnsArgv(input.helpers.slirp4netns!, { ...helperOptions, cidr: input.options.cidr });
  } else if (mode === 'host') {
    gateway = '127.0.0.1';
  }

  const extra = input.addHosts.map((h) => {
    if (h.ip !== 'host-gateway') return h;
    if (!gateway) {
      fail(`--add-host ${h.name}:host-gateway: the host is not reachable from this container`, mode === 'pasta' || mode === 'slirp4netns' ? 'add --network-option allow_host_loopback=true' : `--network ${mode} has no way to the host`);
    }
    return { name: h.name, ip: gateway };
  });
  const own = mode !== 'host';
  const resolvConf = resolvConfText({
    // slirp4netns answers DNS itself (at .3) with the host's resolver, even one on 127.x.
    host: mode === 'slirp4netns' ? { ...resolv, nameservers: [] } : resolv,
    ownNetwork: own,
    forwarder,
    dns: input.dns,
    dnsSearch: input.dnsSearch,
    dnsOptions: input.dnsOptions,
  });
  return {
    mode,
    unshareNet: own,
    ...(helper ? { helper } : {}),
    forwarded: split.forwarded,
    sysctls: own ? ownNetworkSysctls(input.gidCount) : [],
    files: {
      hosts: hostsText({ hostname: input.hostname, name: input.name, address, extra, base: own ? undefined : input.host.hosts }),
      resolvConf,
      hostname,
    },
    ports: mode === 'host' ? [] : input.ports,
    notices,
  };
}
