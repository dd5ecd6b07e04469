// Network planning without namespaces: modes, helper command lines, sysctls, files.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { throwsNook, withHint } from './assert-nook.js';
import { hostsText, parseAddHost, parseResolvConf, resolvConfText } from '../../src/network/files.js';
import { pastaArgv, slirp4netnsArgv } from '../../src/network/helper-argv.js';
import { parseHelpOptions } from '../../src/network/helpers.js';
import { parseNetworkMode, parseNetworkOptions, planNetwork, PASTA_DNS_FORWARDER, type NetworkInput } from '../../src/network/plan.js';
import { parsePublish } from '../../src/network/ports.js';
import { defaultRoute, planJoin } from '../../src/network/run-network.js';

// Excerpts of the real --help texts of Debian 12's pasta (2023-03-09) and slirp4netns 1.2.
const PASTA_HELP = `Usage: pasta [OPTION]... [COMMAND] [ARGS]...
  -f, --foreground	Don't run in background
  -q, --quiet		Don't print informational messages
  -P, --pid FILE	Write own PID to the given file
  -m, --mtu MTU	Assign MTU via DHCP/NDP
  --dns-forward ADDR	Forward DNS queries sent to ADDR
  --no-map-gw		Don't map gateway address to host
  -t, --tcp-ports SPEC	TCP port forwarding to namespace
  -u, --udp-ports SPEC	UDP port forwarding to namespace
  -T, --tcp-ns SPEC	TCP port forwarding to init namespace
  -U, --udp-ns SPEC	UDP port forwarding to init namespace
  --config-net		Configure tap interface in namespace
  --ns-mac-addr ADDR	Set MAC address on tap interface`;
const SLIRP_HELP = `Usage: slirp4netns [OPTION]... PID|PATH [TAPNAME]
-c, --configure          bring up the interface
-r, --ready-fd=FD        specify the FD to write to when the network is configured
-m, --mtu=MTU            specify MTU (default=1500, max=65521)
-a, --api-socket=PATH    specify API socket path
--cidr=CIDR              specify network address CIDR (default=10.0.2.0/24)
--disable-host-loopback  prohibit connecting to 127.0.0.1:* on the host namespace
--macaddress=MAC         specify the MAC address of the TAP (only valid with -c)`;
const pasta = { path: '/usr/bin/pasta', options: parseHelpOptions(PASTA_HELP) };
const slirp = { path: '/usr/bin/slirp4netns', options: parseHelpOptions(SLIRP_HELP) };


function input(over: Partial<NetworkInput> = {}): NetworkInput {
  return {
    mode: { kind: 'auto' },
    options: parseNetworkOptions([]),
    helpers: { pasta, slirp4netns: slirp },
    ports: [],
    hostname: 'abc123',
    name: 'web',
    addHosts: [],
    dns: [],
    dnsSearch: [],
    dnsOptions: [],
    host: { resolvConf: 'nameserver 10.255.255.53\nsearch example.org\n', hosts: '127.0.0.1 localhost\n127.0.0.1 vm\n', gateway: '192.0.2.1', address: '192.0.2.2' },
    gidCount: 65537,
    ...over,
  };
}

const argAfter = (argv: string[], flag: string) => argv[argv.indexOf(flag) + 1];

test('--help parsing finds long options in both layouts', () => {
  assert.ok(pasta.options.includes('no-map-gw') && pasta.options.includes('tcp-ns') && pasta.options.includes('config-net'));
  assert.ok(slirp.options.includes('ready-fd') && slirp.options.includes('disable-host-loopback') && slirp.options.includes('api-socket'));
  assert.not.ok(pasta.options.includes('ready-fd'));
});

test('auto: pasta when installed, else slirp4netns, else none with a notice', () => {
  assert.is(planNetwork(input()).mode, 'pasta');
  assert.is(planNetwork(input({ helpers: { slirp4netns: slirp } })).mode, 'slirp4netns');
  const none = planNetwork(input({ helpers: {} }));
  assert.is(none.mode, 'none');
  assert.ok(none.unshareNet);
  assert.match(none.notices.join(), /apt-get install passt/);
  throwsNook(() => planNetwork(input({ mode: { kind: 'pasta' }, helpers: { slirp4netns: slirp } })), /pasta is not installed.*apt-get install passt/, withHint);
});

test('pasta: closed host loopback, no automatic forwarding, MTU 65520, readiness through its pid file', () => {
  const plan = planNetwork(input({ mode: { kind: 'pasta' } }));
  const argv = plan.helper!;
  assert.is(argv[0], '/usr/bin/pasta');
  assert.ok(argv.includes('--no-map-gw'));
  for (const flag of ['--tcp-ns', '--udp-ns', '--tcp-ports', '--udp-ports']) assert.is(argAfter(argv, flag), 'none');
  assert.is(argAfter(argv, '--mtu'), '65520');
  assert.ok(argv.includes('--foreground') && argv.includes('--config-net'));
  assert.is(argAfter(argv, '--pid'), '/proc/self/fd/@READY_FD@');
  assert.is(argv.at(-1), '@PID@');
  assert.ok(plan.unshareNet);
});

test('pasta: allow_host_loopback maps the gateway and host-gateway resolves to it', () => {
  const plan = planNetwork(input({ mode: { kind: 'pasta' }, options: parseNetworkOptions(['allow_host_loopback=true']), addHosts: [parseAddHost('hostgw:host-gateway')] }));
  assert.not.ok(plan.helper!.includes('--no-map-gw'));
  assert.match(plan.files.hosts!, /^192\.0\.2\.1\thostgw$/m);
  throwsNook(() => planNetwork(input({ mode: { kind: 'pasta' }, addHosts: [parseAddHost('h:host-gateway')] })), /not reachable.*allow_host_loopback=true/, withHint);
});

test('pasta: published TCP ports become ranges with the address prefix; UDP goes to the forwarder', () => {
  const ports = [...parsePublish('8000-8002:80-82'), ...parsePublish('127.0.0.1:5353:53/udp'), ...parsePublish('9000:9000')];
  const plan = planNetwork(input({ mode: { kind: 'pasta' }, ports }));
  const argv = plan.helper!;
  const tcp = argv.flatMap((a, i) => (argv[i - 1] === '--tcp-ports' ? [a] : []));
  assert.equal(tcp, ['8000-8002:80-82', '9000:9000']);
  assert.is(argAfter(argv, '--udp-ports'), 'none');
  assert.equal(plan.forwarded, parsePublish('127.0.0.1:5353:53/udp'));
  assert.equal(plan.ports, ports);
  // pastaArgv itself still writes UDP specs for whoever asks it to carry them
  assert.is(argAfter(pastaArgv(pasta, { mtu: 65520, allowHostLoopback: false, ports: parsePublish('127.0.0.1:5353:53/udp') }), '--udp-ports'), '127.0.0.1/5353:53');
});

test('pasta: a host resolver on loopback is replaced by pasta\'s DNS forwarder', () => {
  const plan = planNetwork(input({ mode: { kind: 'pasta' }, host: { resolvConf: 'nameserver 127.0.0.53\n', hosts: '' } }));
  assert.is(argAfter(plan.helper!, '--dns-forward'), PASTA_DNS_FORWARDER);
  assert.match(plan.files.resolvConf!, new RegExp(`^nameserver ${PASTA_DNS_FORWARDER.replace(/\./g, '\\.')}$`, 'm'));
  assert.not.match(plan.files.resolvConf!, /127\.0\.0\.53/);
  const direct = planNetwork(input({ mode: { kind: 'pasta' } }));
  assert.not.ok(direct.helper!.includes('--dns-forward'));
  assert.match(direct.files.resolvConf!, /^nameserver 10\.255\.255\.53$/m);
  assert.match(direct.files.resolvConf!, /^search example\.org$/m);
});

test('slirp4netns: closed loopback, ready fd, 10.0.2.3 for DNS, 10.0.2.2 as host-gateway', () => {
  const plan = planNetwork(input({ mode: { kind: 'slirp4netns' } }));
  assert.equal(plan.helper, ['/usr/bin/slirp4netns', '--configure', '--mtu=65520', '--disable-host-loopback', '--ready-fd=@READY_FD@', '@PID@', 'tap0']);
  assert.match(plan.files.resolvConf!, /^nameserver 10\.0\.2\.3$/m);
  assert.match(plan.files.hosts!, /^10\.0\.2\.100\tabc123 web$/m);
  const open = planNetwork(input({ mode: { kind: 'slirp4netns' }, options: parseNetworkOptions(['allow_host_loopback=1', 'cidr=10.9.8.0/24', 'mtu=1500']), addHosts: [parseAddHost('h:host-gateway')], macAddress: '02:00:00:00:00:01' }));
  assert.equal(open.helper!.slice(1, 6), ['--configure', '--mtu=1500', '--macaddress=02:00:00:00:00:01', '--cidr=10.9.8.0/24', '--ready-fd=@READY_FD@']);
  assert.match(open.files.hosts!, /^10\.9\.8\.2\th$/m);
  assert.match(open.files.resolvConf!, /^nameserver 10\.9\.8\.3$/m);
});

test('slirp4netns with ports: the helper publishes none, the forwarder all of them (IPv6 host addresses too)', () => {
  const ports = [...parsePublish('18080:80'), ...parsePublish('[::1]:18081:81'), ...parsePublish('5353:53/udp')];
  const plan = planNetwork(input({ mode: { kind: 'slirp4netns' }, ports }));
  assert.equal(plan.helper, ['/usr/bin/slirp4netns', '--configure', '--mtu=65520', '--disable-host-loopback', '--ready-fd=@READY_FD@', '@PID@', 'tap0']);
  assert.equal(plan.forwarded, ports);
  assert.equal(planNetwork(input({ mode: { kind: 'none' } })).forwarded, []);
  assert.equal(planNetwork(input({ mode: { kind: 'host' }, ports })).forwarded, []);
});

test('missing helper features are one-line errors naming the option', () => {
  const noReady = { path: '/usr/bin/slirp4netns', options: slirp.options.filter((o) => o !== 'ready-fd') };
  throwsNook(() => planNetwork(input({ mode: { kind: 'slirp4netns' }, helpers: { slirp4netns: noReady } })), /has no --ready-fd \(needed to attach to a container\)/, withHint);
  const old = { path: '/usr/bin/slirp4netns', options: slirp.options.filter((o) => o !== 'macaddress') };
  throwsNook(() => slirp4netnsArgv(old, { mtu: 65520, allowHostLoopback: false, macAddress: '02:00:00:00:00:01' }), /--macaddress/, withHint);
  const noMac = { path: '/usr/bin/pasta', options: pasta.options.filter((o) => o !== 'ns-mac-addr') };
  throwsNook(() => pastaArgv(noMac, { mtu: 65520, allowHostLoopback: false, macAddress: '02:00:00:00:00:01', ports: [] }), /--ns-mac-addr/, withHint);
});

test('sysctls: ping for every mapped group and unprivileged low ports, only in an own namespace', () => {
  const plan = planNetwork(input({ mode: { kind: 'none' }, gidCount: 65537 }));
  assert.equal(plan.sysctls, [['net.ipv4.ping_group_range', '0 65536'], ['net.ipv4.ip_unprivileged_port_start', '0']]);
  assert.equal(planNetwork(input({ mode: { kind: 'none' }, gidCount: 1 })).sysctls[0], ['net.ipv4.ping_group_range', '0 0']);
  assert.equal(planNetwork(input({ mode: { kind: 'host' } })).sysctls, []);
});

test('none and host: no helper; host keeps the host\'s hosts and resolvers, even on loopback', () => {
  const none = planNetwork(input({ mode: { kind: 'none' } }));
  assert.is(none.helper, undefined);
  throwsNook(() => planNetwork(input({ mode: { kind: 'none' }, ports: parsePublish('1:1') })), /--network none/, withHint);
  const host = planNetwork(input({ mode: { kind: 'host' }, ports: parsePublish('1:1'), host: { resolvConf: 'nameserver 127.0.0.53\n', hosts: '127.0.0.1 localhost\n' } }));
  assert.not.ok(host.unshareNet);
  assert.is(host.helper, undefined);
  assert.equal(host.ports, []);
  assert.match(host.notices.join(), /ignored with --network host/);
  assert.match(host.files.resolvConf!, /^nameserver 127\.0\.0\.53$/m);
  assert.ok(host.files.hosts!.startsWith('127.0.0.1 localhost\n'));
  throwsNook(() => planNetwork(input({ mode: { kind: 'host' }, macAddress: '02:00:00:00:00:01' })), /--mac-address cannot be used with --network host/, withHint);
});

test('container:NAME: a join, no helper, no files of its own but the hostname', () => {
  const plan = planNetwork(input({ mode: parseNetworkMode('container:web').mode }));
  assert.equal(plan.join, { container: 'web' });
  assert.not.ok(plan.unshareNet);
  assert.equal(Object.keys(plan.files), ['hostname']);
  throwsNook(() => planNetwork(input({ mode: { kind: 'container', container: 'web' }, ports: parsePublish('1:1') })), /publish them on the container/, withHint);
  throwsNook(() => planNetwork(input({ mode: { kind: 'container', container: 'web' }, dns: ['1.1.1.1'] })), /shared/, withHint);
});

test('container:NAME joined: its entry process by pid and start time, the hosts and resolv.conf it has; not running is an error', () => {
  const target = { pid: 42, startTicks: 7, dir: '/store/c/web' };
  assert.equal(planJoin('web', target, () => true), {
    directives: [['join-net', '42', '7']],
    bindFiles: [{ source: '/store/c/web/hosts', target: '/etc/hosts' }, { source: '/store/c/web/resolv.conf', target: '/etc/resolv.conf' }],
  });
  assert.equal(planJoin('web', target, (p) => p.endsWith('/hosts')).bindFiles, [{ source: '/store/c/web/hosts', target: '/etc/hosts' }]);
  throwsNook(() => planJoin('web', undefined, () => true), /^cannot join the network of container web: it is not running$/);
});

test('--network and option parsing', () => {
  assert.equal(parseNetworkMode('slirp4netns:allow_host_loopback=true,mtu=1500'), { mode: { kind: 'slirp4netns' }, options: ['allow_host_loopback=true', 'mtu=1500'] });
  assert.equal(parseNetworkMode('auto').mode, { kind: 'auto' });
  throwsNook(() => parseNetworkMode('bridge'), /unknown network mode "bridge"/, withHint);
  throwsNook(() => parseNetworkMode('container:'), /container:NAME/, withHint);
  throwsNook(() => parseNetworkMode('none:x'), /unknown network mode/, withHint);
  assert.equal(parseNetworkOptions(['allow_host_loopback']), { allowHostLoopback: true, mtu: 65520 });
  throwsNook(() => parseNetworkOptions(['mtu=70000']), /68 to 65520/, withHint);
  throwsNook(() => parseNetworkOptions(['speed=9']), /unknown network option "speed".*allow_host_loopback/, withHint);
  throwsNook(() => planNetwork(input({ mode: { kind: 'pasta' }, options: parseNetworkOptions(['cidr=10.1.0.0/24']) })), /slirp4netns only/, withHint);
});

test('/etc/hosts: localhost, extra hosts, the container\'s names on its address', () => {
  const text = hostsText({ hostname: 'h1', name: 'web', address: '10.0.2.100', extra: [{ name: 'db', ip: '10.1.1.1' }] });
  assert.match(text, /^127\.0\.0\.1\tlocalhost$/m);
  assert.match(text, /^::1\tlocalhost ip6-localhost ip6-loopback$/m);
  assert.match(text, /^10\.1\.1\.1\tdb$/m);
  assert.ok(text.endsWith('10.0.2.100\th1 web\n'));
  assert.ok(hostsText({ hostname: 'x', name: 'x', address: '127.0.0.1', extra: [] }).endsWith('127.0.0.1\tx\n'));
});

test('--add-host forms and errors', () => {
  assert.equal(parseAddHost('db:10.0.0.5'), { name: 'db', ip: '10.0.0.5' });
  assert.equal(parseAddHost('v6:[2001:db8::1]'), { name: 'v6', ip: '2001:db8::1' });
  assert.equal(parseAddHost('v6=2001:db8::1'), { name: 'v6', ip: '2001:db8::1' });
  throwsNook(() => parseAddHost('db'), /NAME:IP/, withHint);
  throwsNook(() => parseAddHost('db:nothing'), /not an IP address/, withHint);
});

test('/etc/resolv.conf: --dns, --dns-search, --dns-option replace the host\'s', () => {
  const host = parseResolvConf('# c\nnameserver 127.0.0.53\nnameserver 10.0.0.1\ndomain a.example\nsearch b.example c.example\noptions ndots:2 edns0\n');
  assert.equal(host, { nameservers: ['127.0.0.53', '10.0.0.1'], search: ['b.example', 'c.example'], options: ['ndots:2', 'edns0'] });
  const own = resolvConfText({ host, ownNetwork: true, dns: [], dnsSearch: [], dnsOptions: [] });
  assert.match(own, /^nameserver 10\.0\.0\.1$/m);
  assert.not.match(own, /127\.0\.0\.53/);
  assert.match(own, /^options ndots:2 edns0$/m);
  const flags = resolvConfText({ host, ownNetwork: true, dns: ['1.1.1.1'], dnsSearch: ['x.example'], dnsOptions: ['ndots:5'] });
  assert.equal(flags.split('\n').slice(1), ['search x.example', 'nameserver 1.1.1.1', 'options ndots:5', '']);
  assert.not.match(resolvConfText({ host, ownNetwork: true, dns: [], dnsSearch: ['.'], dnsOptions: [] }), /search/);
  throwsNook(() => resolvConfText({ host, ownNetwork: true, dns: ['dns.example'], dnsSearch: [], dnsOptions: [] }), /invalid --dns/, withHint);
});

test('defaultRoute reads /proc/net/route\'s little-endian gateway', () => {
  const table = 'Iface\tDestination\tGateway \tFlags\n eth0\t0002000C0\t00000000\t0001\neth0\t00000000\t010200C0\t0003\n';
  assert.equal(defaultRoute(table, { eth0: [{ address: '192.0.2.2', family: 'IPv4', netmask: '', mac: '', internal: false, cidr: null }] }), { gateway: '192.0.2.1', address: '192.0.2.2' });
  assert.equal(defaultRoute('Iface\tDestination\n', {}), {});
});

test.run();
