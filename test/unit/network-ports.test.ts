// Published ports: -p parsing, ranges, -P, conflicts, and the host-side check.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { throwsNook, withHint } from './assert-nook.js';
import { createServer } from 'node:net';
import { combinePorts, exposedPorts, parsePublish, type PortMapping } from '../../src/network/ports.js';

const show = (m: PortMapping) => `${m.containerPort}/${m.protocol} -> ${m.hostIp || '*'}:${m.hostPort}`;
import { reserveHostPorts } from '../../src/network/check.js';
import { NookError } from '../../src/errors.js';


test('-p forms: CTR, HOST:CTR, IP:HOST:CTR, IP::CTR, [v6]:HOST:CTR, /udp', () => {
  assert.equal(parsePublish('80'), [{ hostIp: '', hostPort: 0, containerPort: 80, protocol: 'tcp' }]);
  assert.equal(parsePublish('8080:80'), [{ hostIp: '', hostPort: 8080, containerPort: 80, protocol: 'tcp' }]);
  assert.equal(parsePublish('127.0.0.1:8080:80/tcp'), [{ hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'tcp' }]);
  assert.equal(parsePublish('127.0.0.1::80'), [{ hostIp: '127.0.0.1', hostPort: 0, containerPort: 80, protocol: 'tcp' }]);
  assert.equal(parsePublish('[::1]:5353:53/udp'), [{ hostIp: '::1', hostPort: 5353, containerPort: 53, protocol: 'udp' }]);
});

test('-p ranges expand one mapping per port', () => {
  const m = parsePublish('8000-8002:80-82');
  assert.equal(m.map((x) => [x.hostPort, x.containerPort]), [[8000, 80], [8001, 81], [8002, 82]]);
  assert.equal(parsePublish('90-91').map((x) => [x.hostPort, x.containerPort]), [[0, 90], [0, 91]]);
});

test('-p errors are one line and name the fix', () => {
  throwsNook(() => parsePublish('8000-8010:80-81'), /host range has 11 ports, the container range 2/, withHint);
  throwsNook(() => parsePublish('80/sctp'), /protocol "sctp"/, withHint);
  throwsNook(() => parsePublish('70000:80'), /outside 0-65535/, withHint);
  throwsNook(() => parsePublish('8080:0'), /outside 1-65535/, withHint);
  throwsNook(() => parsePublish('x:80'), /"x" is not a port/, withHint);
  throwsNook(() => parsePublish('1.2.3:8080:80'), /not an IP address/, withHint);
  throwsNook(() => parsePublish('::1:8080:80'), /brackets/, withHint);
  throwsNook(() => parsePublish('90-80:90-80'), /ends before it starts/, withHint);
  throwsNook(() => parsePublish('0-3:80-83'), /host port 0 cannot be a range/, withHint);
});

test('-P publishes ExposedPorts on chosen host ports, -p wins for the same container port', () => {
  const all = exposedPorts({ '80/tcp': {}, '53/udp': {}, '9000-9001/tcp': {} });
  assert.equal(all.map(show), ['80/tcp -> *:0', '53/udp -> *:0', '9000/tcp -> *:0', '9001/tcp -> *:0']);
  const combined = combinePorts(parsePublish('8080:80'), all);
  assert.equal(combined.filter((m) => m.containerPort === 80).map(show), ['80/tcp -> *:8080']);
  assert.is(combined.length, 4);
});

test('a host port published twice is an error; tcp and udp or two addresses may share a number', () => {
  throwsNook(() => combinePorts([...parsePublish('8080:80'), ...parsePublish('8080:81')], []), /8080\/tcp is published twice/, withHint);
  throwsNook(() => combinePorts([...parsePublish('127.0.0.1:8080:80'), ...parsePublish('8080:81')], []), /published twice/, withHint);
  assert.is(combinePorts([...parsePublish('8080:80'), ...parsePublish('8080:80/udp')], []).length, 2);
  assert.is(combinePorts([...parsePublish('127.0.0.1:8080:80'), ...parsePublish('127.0.0.2:8080:80')], []).length, 2);
});

test('reserveHostPorts: port 0 becomes a free port, a busy port is a clear error', async () => {
  const [chosen] = await reserveHostPorts(parsePublish('127.0.0.1::80'));
  assert.ok(chosen!.hostPort > 0);
  const [udp] = await reserveHostPorts(parsePublish('127.0.0.1::53/udp'));
  assert.ok(udp!.hostPort > 0);
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const busy = (server.address() as { port: number }).port;
  try {
    await reserveHostPorts(parsePublish(`127.0.0.1:${busy}:80`));
    assert.unreachable('a busy port was accepted');
  } catch (err) {
    assert.instance(err, NookError);
    assert.match((err as Error).message, new RegExp(`127.0.0.1:${busy}/tcp: the port is already in use`));
  } finally {
    server.close();
  }
});

test('reserveHostPorts: an address not on this host is named', async () => {
  try {
    await reserveHostPorts(parsePublish('192.0.2.254:18080:80'));
    assert.unreachable('a foreign address was accepted');
  } catch (err) {
    assert.instance(err, NookError);
    assert.match((err as Error).message, /192.0.2.254 is not an address of this host/);
  }
});

test('reserveHostPorts: a privileged port explains ip_unprivileged_port_start (as a user)', async () => {
  if (process.getuid?.() === 0) return; // root may bind any port
  try {
    await reserveHostPorts(parsePublish('127.0.0.1:80:80'));
  } catch (err) {
    assert.match((err as Error).message, /net.ipv4.ip_unprivileged_port_start=\d+/);
    assert.match((err as NookError).hint ?? '', /-p 8080:80/);
    return;
  }
  assert.ok(Number((await import('node:fs')).readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8')) <= 80);
});

test.run();
