// A new container's network: gathers the facts (the request, config, installed helpers, the
// host's files, free host ports), lets planNetwork decide, and turns the plan into launcher
// directives and the files bound onto /etc/hosts, /etc/resolv.conf and /etc/hostname.
import { existsSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { Directive } from '../core/directives.js';
import { planIdMaps, type Identity } from '../core/plan.js';
import { writeFileAtomic } from '../storage/atomic.js';
import { fail } from '../errors.js';
import { reserveHostPorts } from './check.js';
import { parseAddHost } from './files.js';
import { detectHelpers } from './helpers.js';
import { parseNetworkMode, parseNetworkOptions, planNetwork, type HostFacts, type NetworkPlan } from './plan.js';
import { combinePorts, exposedPorts, parsePublish, type PortMapping } from './ports.js';
import { readOrEmpty } from '../util/read-text.js';

/** What a container asks of its network, as written (`run` maps its flags onto this). */
export interface NetworkRequest {
  /** pasta, slirp4netns, none, host or container:NAME, with options; undefined: the config's */
  mode: string | undefined;
  /** key=value options, after the config's and the mode's */
  options: string[];
  /** [ip:][hostport:]port[/proto] */
  publish: string[];
  /** also every port the image exposes */
  publishAll: boolean;
  dns: string[];
  dnsSearch: string[];
  dnsOptions: string[];
  /** name:ip lines for /etc/hosts */
  addHosts: string[];
  macAddress: string | undefined;
}

/** The config keys this module reads: `network` (auto|pasta|slirp4netns|none|host) and `networkOptions`. */
export interface NetworkConfig {
  network: string;
  networkOptions?: string[] | undefined;
}

export interface RunNetwork {
  /** unshare-net, sysctl, net-helper and publish: they go before the root file system directives */
  directives: Directive[];
  /** read-write binds of the files written by writeNetworkFiles */
  bindFiles: Array<{ source: string; target: string }>;
  notices: string[];
  /** as published, host ports chosen: for config.json and `nook port` */
  ports: PortMapping[];
  files: NetworkPlan['files'];
}

const FILE_NAMES = { hosts: 'hosts', resolvConf: 'resolv.conf', hostname: 'hostname' } as const;
const TARGETS = { hosts: '/etc/hosts', resolvConf: '/etc/resolv.conf', hostname: '/etc/hostname' } as const;

/** The default IPv4 route's gateway and the host's address on its interface (what pasta copies). */
export function defaultRoute(routeTable: string, interfaces = networkInterfaces()): { gateway?: string; address?: string } {
  for (const line of routeTable.split('\n').slice(1)) {
    const [iface, dest, gw] = line.trim().split(/\s+/);
    if (!iface || dest !== '00000000' || !gw) continue;
    // /proc/net/route holds addresses as little-endian hex
    const gateway = [6, 4, 2, 0].map((i) => parseInt(gw.slice(i, i + 2), 16)).join('.');
    const address = interfaces[iface]?.find((a) => a.family === 'IPv4')?.address;
    return { gateway, ...(address ? { address } : {}) };
  }
  return {};
}

function hostFacts(): HostFacts {
  return {
    resolvConf: readOrEmpty('/etc/resolv.conf'),
    hosts: readOrEmpty('/etc/hosts'),
    ...defaultRoute(readOrEmpty('/proc/net/route')),
  };
}

function checkMac(mac: string | undefined): string | undefined {
  if (mac === undefined) return undefined;
  if (!/^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/.test(mac) || (parseInt(mac.slice(0, 2), 16) & 1) === 1) {
    fail(`invalid --mac-address "${mac}"`, 'give a unicast address such as 02:42:ac:11:00:02');
  }
  return mac.toLowerCase();
}

/** The running container that `--network container:NAME` joins: its entry process and directory. */
export interface JoinTarget { pid: number; startTicks: number; dir: string }

/**
 * `--network container:NAME`: the launcher enters the target's user and network namespaces
 * through its entry process (pid and start time: a recycled pid is never entered); the
 * target's hosts and resolv.conf, those it has, come along, as in Docker.
 */
export function planJoin(container: string, target: JoinTarget | undefined, exists: (path: string) => boolean): Pick<RunNetwork, 'directives' | 'bindFiles'> {
  if (!target) fail(`cannot join the network of container ${container}: it is not running`);
  return {
    directives: [['join-net', String(target.pid), String(target.startTicks)]],
    bindFiles: (['hosts', 'resolvConf'] as const)
      .map((k) => ({ source: join(target.dir, FILE_NAMES[k]), target: TARGETS[k] }))
      .filter((f) => exists(f.source)),
  };
}

/** Looks up a container by name or id: undefined when it is not running. */
export type JoinTargetLookup = (container: string) => Promise<JoinTarget | undefined>;

export async function networkForRun(
  request: NetworkRequest,
  config: NetworkConfig,
  image: { ExposedPorts?: Record<string, unknown> | undefined },
  containerDir: string,
  hostname: string,
  name: string,
  identity: Identity,
  lookUp: JoinTargetLookup,
): Promise<RunNetwork> {
  const { mode, options: modeOptions } = parseNetworkMode(request.mode ?? config.network);
  const options = parseNetworkOptions([...(config.networkOptions ?? []), ...modeOptions, ...request.options]);
  const requested = combinePorts(request.publish.flatMap(parsePublish), request.publishAll ? exposedPorts(image.ExposedPorts) : []);
  const helpers = mode.kind === 'auto' || mode.kind === 'pasta' || mode.kind === 'slirp4netns' ? detectHelpers() : {};
  const publishes = requested.length > 0 && (mode.kind === 'auto' ? Boolean(helpers.pasta ?? helpers.slirp4netns) : mode.kind === 'pasta' || mode.kind === 'slirp4netns');
  const gidMaps = planIdMaps(identity).gidMaps;

  const plan = planNetwork({
    mode,
    options,
    helpers,
    ports: publishes ? await reserveHostPorts(requested) : requested,
    hostname,
    name,
    addHosts: request.addHosts.map(parseAddHost),
    dns: request.dns,
    dnsSearch: request.dnsSearch,
    dnsOptions: request.dnsOptions,
    macAddress: checkMac(request.macAddress),
    host: hostFacts(),
    gidCount: Math.max(...gidMaps.map(([inside, , count]) => inside + count)),
  });

  const directives: Directive[] = [];
  if (plan.unshareNet) directives.push(['unshare-net']);
  for (const [key, value] of plan.sysctls) directives.push(['sysctl', key, value]);
  if (plan.helper) directives.push(['net-helper', ...plan.helper]);
  for (const m of plan.forwarded) directives.push(['publish', m.protocol, m.hostIp || '*', String(m.hostPort), String(m.containerPort)]);
  const bindFiles: RunNetwork['bindFiles'] = (Object.keys(FILE_NAMES) as Array<keyof typeof FILE_NAMES>)
    .filter((k) => plan.files[k] !== undefined)
    .map((k) => ({ source: join(containerDir, FILE_NAMES[k]), target: TARGETS[k] }));
  if (plan.join) {
    const joined = planJoin(plan.join.container, await lookUp(plan.join.container), existsSync);
    directives.push(...joined.directives);
    bindFiles.push(...joined.bindFiles);
  }
  return {
    directives,
    bindFiles,
    notices: plan.notices,
    ports: plan.ports,
    files: plan.files,
  };
}

/**
 * Writes the files into the container dir (atomically, readable by every user in the
 * container; `durable` as for writeFileAtomic).
 */
export function writeNetworkFiles(containerDir: string, net: RunNetwork, durable: boolean): void {
  for (const k of Object.keys(FILE_NAMES) as Array<keyof typeof FILE_NAMES>) {
    const text = net.files[k];
    if (text !== undefined) writeFileAtomic(join(containerDir, FILE_NAMES[k]), text, 0o644, { durable });
  }
}
