// Networking through the real CLI as an unprivileged user, with addresses of this machine
// only: servers on the host's loopback started here, and (when the root test runner made it)
// a server in a network namespace of its own, NOOK_TEST_NETNS_HTTP answering NOOK_TEST_NETNS_BODY.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { leftoverProcesses, nook, processBaseline, processes, sleep, startNook, waitFor, type Result } from './harness.js';

const HELPERS = ['pasta', 'slirp4netns'] as const;
const WEB_ROOT = 'mkdir -p /tmp/w && echo served-by-nook > /tmp/w/index.html';
/** A UDP server on the container's port 53 answering each datagram in upper case (python3 -c). */
const UDP_ECHO = 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 53))\nwhile True:\n d, a = s.recvfrom(2048); s.sendto(d.upper(), a)';

// The root runner's test host in a network namespace of its own (`ip netns` needs root): the
// tests that need it are skipped, and counted as skipped, without it.
const onTestHost = process.env['NOOK_TEST_NETNS_ADDRESS'] ? test : test.skip;
if (!process.env['NOOK_TEST_NETNS_ADDRESS']) console.log('note: the tests of a host in another network namespace are skipped: only the root test runner can make that host');

function ok(r: Result, what: string): Result {
  assert.is(r.code, 0, `${what}: exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

/** The host's first non-loopback IPv4 address. */
function hostAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  throw new Error('this host has no non-loopback IPv4 address');
}

async function freePort(kind: 'tcp' | 'udp' = 'tcp'): Promise<number> {
  if (kind === 'udp') {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
    const port = s.address().port;
    s.close();
    return port;
  }
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function loopbackServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => res.end('host-loopback-service\n'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port };
}

async function fetchText(url: string): Promise<string | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    return await res.text();
  } catch {
    return undefined;
  }
}

const waitForHttp = (url: string): Promise<string> => waitFor(`an answer from ${url}`, () => fetchText(url), 10_000, 100);

const helperProcesses = () => processes().filter((p) => p.uid === process.getuid!() && /(^|\/)(pasta|passt[.\w]*|slirp4netns)( |$)/.test(p.cmd));

test('--network none: only lo', async () => {
  const r = ok(await nook(['run', '--rm', '--network', 'none', 'host', 'ip', '-o', 'link']), 'run');
  const names = r.stdout.trim().split('\n').map((l) => l.split(':')[1]!.trim());
  assert.equal(names, ['lo']);
});

test('--network host: the host\'s interfaces', async () => {
  const r = ok(await nook(['run', '--rm', '--network', 'host', 'host', 'ip', '-o', 'link']), 'run');
  const inside = r.stdout.trim().split('\n').map((l) => l.split(':')[1]!.trim().replace(/@.*$/, ''));
  assert.ok(inside.length > 1, 'only lo inside');
  for (const name of Object.keys(networkInterfaces())) assert.ok(inside.includes(name), `${name} missing inside`);
});

for (const helper of HELPERS) {
  test(`${helper}: eth0 with MTU 65520, /etc/hosts and /etc/resolv.conf written for the container`, async () => {
    const r = ok(await nook(['run', '--rm', '--network', helper, '--name', `net-files-${helper}`, '--hostname', 'box1',
      '--add-host', 'db.example:10.1.2.3', '--dns-search', 'corp.example', 'host',
      'sh', '-c', 'ip -o link; cat /etc/hosts /etc/resolv.conf /etc/hostname']), 'run');
    assert.match(r.stdout, /mtu 65520/);
    assert.match(r.stdout, /^10\.1\.2\.3\tdb\.example$/m);
    assert.match(r.stdout, new RegExp(`\\tbox1 net-files-${helper}$`, 'm'));
    assert.match(r.stdout, /^search corp\.example$/m);
    assert.match(r.stdout, /^nameserver /m);
    assert.match(r.stdout, /^box1$/m);
  });

  onTestHost(`${helper}: HTTP to a server in another network namespace`, async () => {
    const url = process.env['NOOK_TEST_NETNS_HTTP']!;
    const r = ok(await nook(['run', '--rm', '--network', helper, 'host', 'curl', '-sS', '-m', '5', url]), 'curl');
    assert.is(r.stdout.trim(), process.env['NOOK_TEST_NETNS_BODY']);
  });

  onTestHost(`${helper}: outbound UDP: names from a DNS server on another host, with --dns and --dns-search`, async () => {
    const server = process.env['NOOK_TEST_NETNS_ADDRESS']!;
    const lookup = 'import socket, sys\nfor name in sys.argv[1:]:\n try: print(name, socket.gethostbyname(name))\n except socket.gaierror: print(name, "unknown")';
    const direct = ok(await nook(['run', '--rm', '--network', helper, '--dns', server, 'host', 'python3', '-c', lookup, 'web.nook.test', 'nothing.example']), 'lookups');
    assert.is(direct.stdout, `web.nook.test ${server}\nnothing.example unknown\n`);
    // a short name completed by the search domain
    const searched = ok(await nook(['run', '--rm', '--network', helper, '--dns', server, '--dns-search', 'nook.test', 'host', 'python3', '-c', lookup, 'db']), 'search');
    assert.is(searched.stdout, `db ${server}\n`);
  });

  test(`${helper}: the host's loopback is closed by default and opened by allow_host_loopback`, async () => {
    const { server, port } = await loopbackServer();
    try {
      // host-gateway names the address that leads to the host; without the option there is none
      const refused = await nook(['run', '--rm', '--network', helper, '--add-host', 'hostgw:host-gateway', 'host', 'true']);
      assert.is(refused.code, 125);
      assert.match(refused.stderr, /allow_host_loopback=true/);
      const gateway = helper === 'slirp4netns' ? '10.0.2.2' : '$(ip route | sed -n "s/^default via \\([^ ]*\\).*/\\1/p")';
      const closed = await nook(['run', '--rm', '--network', helper, 'host', 'sh', '-c', `curl -sS -m 3 http://${gateway}:${port}/`]);
      assert.is.not(closed.code, 0, `reached the host's loopback: ${closed.stdout}`);
      assert.not.match(closed.stdout, /host-loopback-service/);
      const open = ok(await nook(['run', '--rm', '--network', helper, '--network-option', 'allow_host_loopback=true',
        '--add-host', 'hostgw:host-gateway', 'host', 'curl', '-sS', '-m', '5', `http://hostgw:${port}/`]), 'curl with the option');
      assert.is(open.stdout, 'host-loopback-service\n');
    } finally {
      server.close();
    }
  });

  test(`${helper}: -p HOST:80 publishes httpd; the log shows the client`, async () => {
    const port = await freePort();
    const run = startNook(['run', '--rm', '--network', helper, '-p', `${port}:80`, 'host', 'sh', '-c',
      `${WEB_ROOT} && exec timeout 20 busybox httpd -f -vv -p 80 -h /tmp/w`], { timeoutMs: 30_000 });
    try {
      assert.is(await waitForHttp(`http://127.0.0.1:${port}/`), 'served-by-nook\n');
    } finally {
      process.kill(run.pid, 'SIGTERM');
    }
    const r = await run.result;
    // pasta splices a host-loopback client into the container's loopback: its real 127.0.0.1
    // (its port too: the same connection). Under slirp4netns nook's forwarder makes the
    // connection inside, from 127.0.0.1 as well.
    assert.match(r.stderr, /127\.0\.0\.1\]:\d+: url:\//);
  });

  // UDP goes through nook's forwarder under both helpers (pasta 2023-03 loses the replies when
  // the container port is below the host port, slirp4netns 1.2 those to loopback clients):
  // a client on the host's loopback and one on its address both get their echo.
  test(`${helper}: UDP echo through -p PORT:53/udp, from 127.0.0.1 and from the host's address`, async () => {
    const port = await freePort('udp');
    const run = startNook(['run', '--rm', '--network', helper, '-p', `${port}:53/udp`, 'host', 'timeout', '20', 'python3', '-c', UDP_ECHO], { timeoutMs: 30_000 });
    try {
      for (const address of ['127.0.0.1', hostAddress()]) assert.is(await udpEcho(address, port, `ping-${helper}`), `PING-${helper.toUpperCase()}`);
    } finally {
      process.kill(run.pid, 'SIGTERM');
      await run.result;
    }
  });
}

/** Sends text to ADDRESS:PORT every 200 ms until a reply comes (10 s at most). */
async function udpEcho(address: string, port: number, text: string): Promise<string> {
  const socket = createSocket('udp4');
  try {
    return await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => socket.send(text, port, address), 200);
      const deadline = setTimeout(() => {
        clearInterval(timer);
        reject(new Error(`no UDP echo from ${address}:${port} within 10 s`));
      }, 10_000);
      socket.once('message', (m) => {
        clearInterval(timer);
        clearTimeout(deadline);
        resolve(m.toString());
      });
    });
  } finally {
    socket.close();
  }
}

/** Asks the test host in its own network namespace (a client from elsewhere) to reach the host's port. */
function probeFromElsewhere(prober: string, request: string): Promise<string> {
  const [address, port] = prober.split(':');
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = connect(Number(port), address!, () => socket.write(`${request}\n`));
    socket.setEncoding('utf8').on('data', (d: string) => (answer += d));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

for (const helper of HELPERS) {
  onTestHost(`${helper}: a client on another host reaches published TCP and UDP ports; the log shows who it is`, async () => {
    const prober = process.env['NOOK_TEST_NETNS_PROBER']!;
    const [port, udpPort] = [await freePort(), await freePort('udp')];
    const id = ok(await nook(['run', '-d', '--network', helper, '-p', `${port}:80`, '-p', `${udpPort}:53/udp`, 'host', 'sh', '-c',
      `${WEB_ROOT}; python3 -c '${UDP_ECHO}' & exec busybox httpd -f -vv -p 80 -h /tmp/w`]), 'run -d').stdout.trim();
    try {
      // each until its server inside is up
      const until = (request: string) => waitFor(`"${request}" from elsewhere`, async () => {
        const answer = await probeFromElsewhere(prober, request);
        return answer.startsWith('error') ? undefined : answer;
      }, 10_000, 200);
      assert.is(await until(`tcp ${port}`), 'served-by-nook\n');
      assert.is(await until(`udp ${udpPort} far`), 'FAR');
      const log = ok(await nook(['logs', id]), 'logs').stderr;
      // pasta carries TCP itself and shows the client's own address; nook's forwarder
      // (slirp4netns) connects from 127.0.0.1 inside
      assert.match(log, helper === 'pasta' ? /\[::ffff:10\.203\.0\.2\]:\d+: url:\// : /\[::ffff:127\.0\.0\.1\]:\d+: url:\//);
    } finally {
      await nook(['rm', '-f', id]);
    }
  });
}

/** The processes whose parent is PID. */
const childrenOf = (pid: number) => processes().filter((p) => p.ppid === pid);

test('a killed supervisor or CLI takes the network helper and the port forwarder with it', async () => {
  const baseline = processBaseline();
  await nook(['rm', '-f', 'net-killed']);
  ok(await nook(['run', '-d', '--name', 'net-killed', '-p', '127.0.0.1::80', '-p', '127.0.0.1::53/udp', 'host', 'sleep', '100']), 'run -d');
  const pid = Number(ok(await nook(['inspect', '--format', '{{.State.Pid}}', 'net-killed']), 'inspect').stdout);
  const supervisor = processes().find((p) => p.pid === pid)!.ppid;
  // pasta for TCP, nook-run's forwarder for UDP, and the container
  const helpers = childrenOf(supervisor).filter((p) => p.pid !== pid);
  assert.equal(helpers.map((p) => p.cmd.split(' ')[0]!.replace(/.*\//, '')).sort(), ['nook-run', 'pasta']);
  process.kill(supervisor, 'SIGKILL');
  assert.equal(await leftoverProcesses(baseline), []);
  await nook(['rm', '-f', 'net-killed']);

  // a foreground run: the CLI became the launcher, so killing it is the same
  const port = await freePort('udp');
  const run = startNook(['run', '--rm', '--network', 'slirp4netns', '-p', `127.0.0.1:${port}:53/udp`, 'host', 'sleep', '100'], { timeoutMs: 30_000 });
  const started = await waitFor('slirp4netns and the forwarder', () => (childrenOf(run.pid).length >= 3 ? true : undefined));
  assert.ok(started);
  process.kill(run.pid, 'SIGKILL');
  await run.result;
  assert.equal(await leftoverProcesses(baseline), []);
});

/** Whether the host lets this user's group open ICMP echo sockets (what the helpers use). */
function hostAllowsPing(): boolean {
  const [low, high] = readFileSync('/proc/sys/net/ipv4/ping_group_range', 'utf8').trim().split(/\s+/).map(Number);
  return process.getgid!() >= low! && process.getgid!() <= high!;
}

test('ICMP echo inside, for any user of the container', async () => {
  // the container's own ping_group_range covers its groups: uid 1000 opens an ICMP echo
  // socket without privilege (busybox ping would want a raw one)
  const echo = 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP); s.settimeout(3)\n'
    + 's.sendto(bytes([8, 0, 0, 0, 0, 1, 0, 1]) + b"nook", ("127.0.0.1", 0)); reply = s.recv(64); print(reply[0], reply[8:])';
  const inside = ok(await nook(['run', '--rm', '--network', 'none', '-u', '1000:1000', 'host', 'python3', '-c', echo]), 'ICMP echo socket as uid 1000');
  assert.is(inside.stdout, "0 b'nook'\n");
});

onTestHost('ICMP echo to another host: out through either helper where the host allows it', async () => {
  const target = process.env['NOOK_TEST_NETNS_ADDRESS']!;
  const allowed = hostAllowsPing();
  for (const helper of HELPERS) {
    const r = await nook(['run', '--rm', '--network', helper, 'host', 'busybox', 'ping', '-c', '1', '-W', '3', target]);
    if (allowed) ok(r, `ping ${target} through ${helper}`);
    else assert.is.not(r.code, 0, `ping through ${helper} worked though the host's ping_group_range excludes gid ${process.getgid!()}`);
  }
});

test('a set-up error in the container while its helpers start is the one error reported', async () => {
  // the child builds its root while pasta and the forwarder start, and fails there
  const r = await nook(['run', '--rm', '-p', '127.0.0.1::53/udp', '-v', '/tmp:/no-such-mount-point', 'host', 'true']);
  assert.is(r.code, 125);
  assert.is(r.stderr, 'nook: cannot create mount point /no-such-mount-point: Read-only file system\n');
});

test('a host port in use is a clear error before the container starts', async () => {
  const { server, port } = await loopbackServer();
  try {
    const r = await nook(['run', '--rm', '-p', `127.0.0.1:${port}:80`, 'host', 'echo', 'started']);
    assert.is(r.code, 125);
    assert.not.match(r.stdout, /started/);
    assert.match(r.stderr, new RegExp(`^nook: cannot publish 127\\.0\\.0\\.1:${port}/tcp: the port is already in use on the host`));
    assert.is(r.stderr.trim().split('\n').length, 1);
  } finally {
    server.close();
  }
});

test('a port below ip_unprivileged_port_start names the sysctl', async () => {
  const start = Number((await import('node:fs')).readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8'));
  if (start <= 80) return; // this host lets users bind 80
  const r = await nook(['run', '--rm', '-p', '80:80', 'host', 'true']);
  assert.is(r.code, 125);
  assert.match(r.stderr, /net\.ipv4\.ip_unprivileged_port_start=\d+.*-p 8080:80/);
});

test('-d -p: httpd answers on the host, nook port lists the mapping, stop ends the helper', async () => {
  const port = await freePort();
  await nook(['rm', '-f', 'net-web']); // a previous, interrupted pass
  const id = ok(await nook(['run', '-d', '--name', 'net-web', '-p', `${port}:80`, 'host', 'sh', '-c',
    `${WEB_ROOT} && exec busybox httpd -f -p 80 -h /tmp/w`]), 'run -d').stdout.trim();
  try {
    assert.is(await waitForHttp(`http://127.0.0.1:${port}/`), 'served-by-nook\n');
    const listed = ok(await nook(['port', 'net-web']), 'port');
    assert.is(listed.stdout, `80/tcp -> 0.0.0.0:${port}\n`);
  } finally {
    await nook(['rm', '-f', id]);
  }
  await waitFor('the network helper to end', () => (helperProcesses().length === 0 ? true : undefined), 5000);
  assert.is(await fetchText(`http://127.0.0.1:${port}/`), undefined);
});

test('-P publishes the image\'s ExposedPorts (busybox: 80/tcp) on a free host port', async () => {
  const image = process.env['NOOK_TEST_BUSYBOX'];
  assert.ok(image, 'NOOK_TEST_BUSYBOX is not set: run the suites through test/run.mjs');
  await nook(['rm', '-f', 'net-publish-all']);
  const id = ok(await nook(['run', '-d', '--name', 'net-publish-all', '-P', image!, 'sh', '-c',
    'mkdir -p /w && echo served-by-P > /w/index.html && exec httpd -f -p 80 -h /w']), 'run -d -P').stdout.trim();
  try {
    const listed = ok(await nook(['port', id]), 'port').stdout;
    const m = /^80\/tcp -> 0\.0\.0\.0:(\d+)$/m.exec(listed);
    assert.ok(m, `nook port said: ${listed}`);
    assert.is(await waitForHttp(`http://127.0.0.1:${m![1]}/`), 'served-by-P\n');
  } finally {
    await nook(['rm', '-f', id]);
  }
});

test('--network container:NAME reaches the other container\'s 127.0.0.1; its published port stays up meanwhile', async () => {
  await nook(['rm', '-f', 'net-joined']); // a previous, interrupted pass
  const port = await freePort();
  ok(await nook(['run', '-d', '--name', 'net-joined', '-p', `127.0.0.1:${port}:80`, 'host', 'sh', '-c',
    `${WEB_ROOT} && (busybox httpd -f -p 127.0.0.1:8081 -h /tmp/w &) && exec busybox httpd -f -p 80 -h /tmp/w`]), 'run -d');
  try {
    const joiner = startNook(['run', '--rm', '--network', 'container:net-joined', 'host', 'sh', '-c',
      'for i in 1 2 3 4 5 6 7 8 9 10; do curl -sS -m 2 http://127.0.0.1:8081/ && exec sleep 3; sleep 0.3; done; exit 1']);
    // while the joiner runs (it sleeps 3 s once in), and after it ended, web's port answers on the host
    await sleep(1000);
    assert.is(await waitForHttp(`http://127.0.0.1:${port}/`), 'served-by-nook\n');
    assert.ok(processes().some((p) => p.pid === joiner.pid), 'the joiner ended before the check');
    const r = await joiner.result;
    ok(r, 'curl in the joined network');
    assert.is(r.stdout, 'served-by-nook\n');
    assert.is(await fetchText(`http://127.0.0.1:${port}/`), 'served-by-nook\n');
  } finally {
    await nook(['rm', '-f', 'net-joined']);
  }
});

test('--restart: every new life of the container gets its ports again', async () => {
  const port = await freePort('udp');
  const id = ok(await nook(['run', '-d', '--restart', 'always', '-p', `127.0.0.1:${port}:53/udp`, 'host', 'timeout', '1', 'python3', '-c', UDP_ECHO]), 'run -d').stdout.trim();
  try {
    await waitFor('two restarts', async () => (Number(ok(await nook(['inspect', '--format', '{{.RestartCount}}', id]), 'inspect').stdout) >= 2 ? true : undefined), 10_000, 200);
    assert.is(await udpEcho('127.0.0.1', port, 'again'), 'AGAIN');
  } finally {
    await nook(['rm', '-f', id]);
  }
});

test('20 start/stop cycles of a networked detached container leave no helper or forwarder running', async () => {
  const baseline = processBaseline();
  for (let i = 0; i < 20; i++) {
    const helper = HELPERS[i % 2]!;
    const id = ok(await nook(['run', '-d', '--network', helper, '-p', `127.0.0.1::${8000 + i}`, '-p', '127.0.0.1::53/udp', 'host', 'sleep', '60']), `run -d #${i}`).stdout.trim();
    ok(await nook(['stop', '-t', '1', id]), `stop #${i}`);
    ok(await nook(['rm', id]), `rm #${i}`);
  }
  const left = await waitFor('no pasta or slirp4netns left', () => {
    const found = helperProcesses();
    return found.length === 0 ? found : undefined;
  }, 5000).catch(() => helperProcesses());
  assert.equal(left.map((p) => p.cmd), []);
  assert.equal(await leftoverProcesses(baseline), []);
});

test.run();
