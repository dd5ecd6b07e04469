// The network helper's command line, pure. The launcher replaces @PID@ with the container's
// pid and @READY_FD@ with an fd the helper writes to once the namespace is configured.
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
  /** slirp4netns with published ports: where its API socket goes */
  apiSocket?: string | undefined;
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

/**
 * Publishes ports through slirp4netns' API socket, which only exists once it runs: this
 * script (perl-base is Essential on Debian) forks; the parent closes the launcher's ready fd
 * and becomes slirp4netns (so the launcher stops slirp4netns itself), the child waits for
 * slirp4netns to be ready, sends one add_hostfwd per port, removes the socket, and only then
 * reports ready. If a port fails, the child exits with the reason on stderr and the launcher
 * sees EOF on its ready fd.
 */
export const SLIRP_PORTS_SCRIPT = String.raw`use strict; use IO::Socket::UNIX; use POSIX ();
my ($outer, $sock, @a) = @ARGV; my $i = 0; $i++ while $a[$i] ne '--';
my @rules = @a[0 .. $i - 1]; my @cmd = @a[$i + 1 .. $#a];
$^F = 1023; pipe(my $r, my $w) or die "pipe: $!\n";
my $pid = fork() // die "fork: $!\n";
if ($pid) { close $r; POSIX::close($outer); my $fd = fileno $w; s/%READY%/$fd/ for @cmd; exec {$cmd[0]} @cmd or die "cannot execute $cmd[0]: $!\n"; }
close $w; END { unlink $sock if defined $pid && !$pid }
my $b; sysread($r, $b, 1) or exit 1;
for my $rule (@rules) {
  my $c = IO::Socket::UNIX->new(Peer => $sock) or die "cannot reach the slirp4netns API at $sock: $!\n";
  print $c $rule; shutdown($c, 1); local $/; my $resp = <$c> // '';
  die "slirp4netns cannot publish $rule: $resp\n" unless $resp =~ /"return"/;
}
POSIX::write($outer, "1", 1) or die "ready: $!\n";`;

/** slirp4netns' add_hostfwd request for one mapping (the guest address defaults to .100). */
function hostfwd(m: PortMapping): string {
  return JSON.stringify({
    execute: 'add_hostfwd',
    arguments: { proto: m.protocol, host_addr: m.hostIp || '0.0.0.0', host_port: m.hostPort, guest_port: m.containerPort },
  });
}

export function slirp4netnsArgv(info: HelperInfo, o: HelperOptions, perl = 'perl'): string[] {
  requireOptions('slirp4netns', info, ['configure', 'mtu', 'ready-fd', 'disable-host-loopback'], 'to attach to a container');
  if (o.macAddress) requireOptions('slirp4netns', info, ['macaddress'], 'for --mac-address');
  if (o.cidr) requireOptions('slirp4netns', info, ['cidr'], 'for the cidr option');
  const publish = o.ports.length > 0;
  if (publish) requireOptions('slirp4netns', info, ['api-socket'], 'to publish ports');
  if (publish && !o.apiSocket) throw new Error('slirp4netnsArgv: ports without an API socket path');
  if (o.ports.some((m) => m.hostIp.includes(':'))) fail('slirp4netns publishes ports on IPv4 addresses only', 'use --network pasta for an IPv6 host address');
  const argv = [
    info.path, '--configure', `--mtu=${o.mtu}`,
    ...(o.allowHostLoopback ? [] : ['--disable-host-loopback']),
    ...(o.macAddress ? [`--macaddress=${o.macAddress}`] : []),
    ...(o.cidr ? [`--cidr=${o.cidr}`] : []),
    ...(publish ? [`--api-socket=${o.apiSocket}`] : []),
    `--ready-fd=${publish ? '%READY%' : '@READY_FD@'}`,
    '@PID@', 'tap0',
  ];
  if (!publish) return argv;
  return [perl, '-e', SLIRP_PORTS_SCRIPT, '@READY_FD@', o.apiSocket!, ...o.ports.map(hostfwd), '--', ...argv];
}
