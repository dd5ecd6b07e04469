// The network helper's command line, pure. The launcher replaces @PID@ with the container's
// pid and @READY_FD@ with an fd the helper writes to once the namespace is configured.
// Published ports that the helper does not carry go to the launcher's forwarder (see
// forwarderPorts in plan.ts).
import { fail } from '../errors.js';
import type { HelperInfo } from './helpers.js';
import type { PortMapping, Protocol } from './ports.js';

export interface HelperOptions {
  mtu: number;
  /** the host's loopback reachable from the container (pasta's gateway mapping, slirp4netns' 10.0.2.2) */
  allowHostLoopback: boolean;
  macAddress?: string | undefined;
  /** pasta: the address inside the container whose DNS queries pasta forwards to the host's resolver */
  dnsForward?: string | undefined;
  /** slirp4netns: the network (default 10.0.2.0/24) */
  cidr?: string | undefined;
  /** pasta: the ports it publishes itself */
  ports: PortMapping[];
}

function requireOptions(name: string, info: HelperInfo, wanted: string[], why: string): void {
  const missing = wanted.filter((o) => !info.options.includes(o));
  if (missing.length > 0) {
    fail(`${name} at ${info.path} has no ${missing.map((o) => `--${o}`).join(', ')} (needed ${why})`, `install a newer ${name}, or choose another --network`);
  }
}

interface PortRun { ip: string; host: number; ctr: number; count: number }

/** Consecutive mappings as ranges, so a 1000-port range stays one argument. */
function portRuns(ports: PortMapping[], protocol: Protocol): PortRun[] {
  const runs: PortRun[] = [];
  for (const m of ports.filter((p) => p.protocol === protocol)) {
    const last = runs.at(-1);
    if (last && last.ip === m.hostIp && last.host + last.count === m.hostPort && last.ctr + last.count === m.containerPort) last.count++;
    else runs.push({ ip: m.hostIp, host: m.hostPort, ctr: m.containerPort, count: 1 });
  }
  return runs;
}

/** pasta's spec: `[ADDR/]HOST[-END]:CTR[-END]`. */
function pastaSpec(r: PortRun): string {
  const span = (first: number) => (r.count === 1 ? `${first}` : `${first}-${first + r.count - 1}`);
  return `${r.ip ? `${r.ip}/` : ''}${span(r.host)}:${span(r.ctr)}`;
}

export function pastaArgv(info: HelperInfo, o: HelperOptions): string[] {
  requireOptions('pasta', info, ['config-net', 'foreground', 'pid', 'tcp-ports', 'udp-ports', 'tcp-ns', 'udp-ns', 'no-map-gw', 'mtu'], 'to attach to a container');
  if (o.macAddress) requireOptions('pasta', info, ['ns-mac-addr'], 'for --mac-address');
  if (o.dnsForward) requireOptions('pasta', info, ['dns-forward'], 'to forward DNS to a resolver on the host\'s loopback');
  const ports = (flag: string, protocol: Protocol) => {
    const runs = portRuns(o.ports, protocol);
    // The default `auto` would publish every port the container binds: only what -p asks.
    return runs.length === 0 ? [flag, 'none'] : runs.flatMap((r) => [flag, pastaSpec(r)]);
  };
  return [
    info.path, '--config-net', '--foreground', '--quiet',
    '--mtu', String(o.mtu),
    // The default `auto` forwards every port bound on the host's loopback into the container;
    // on a shared machine those belong to other users too.
    '--tcp-ns', 'none', '--udp-ns', 'none',
    ...ports('--tcp-ports', 'tcp'), ...ports('--udp-ports', 'udp'),
    // Without it the gateway address leads to the host's loopback.
    ...(o.allowHostLoopback ? [] : ['--no-map-gw']),
    ...(o.macAddress ? ['--ns-mac-addr', o.macAddress] : []),
    ...(o.dnsForward ? ['--dns-forward', o.dnsForward] : []),
    // In foreground mode the pid file is written once the namespace is configured.
    '--pid', '/proc/self/fd/@READY_FD@',
    '@PID@',
  ];
}

export function slirp4netnsArgv(info: HelperInfo, o: Omit<HelperOptions, 'ports'>): string[] {
  requireOptions('slirp4netns', info, ['configure', 'mtu', 'ready-fd', 'disable-host-loopback'], 'to attach to a container');
  if (o.macAddress) requireOptions('slirp4netns', info, ['macaddress'], 'for --mac-address');
  if (o.cidr) requireOptions('slirp4netns', info, ['cidr'], 'for the cidr option');
  return [
    info.path, '--configure', `--mtu=${o.mtu}`,
    ...(o.allowHostLoopback ? [] : ['--disable-host-loopback']),
    ...(o.macAddress ? [`--macaddress=${o.macAddress}`] : []),
    ...(o.cidr ? [`--cidr=${o.cidr}`] : []),
    '--ready-fd=@READY_FD@',
    '@PID@', 'tap0',
  ];
}
