// Host ports, checked before the container starts: each requested port is bound once on the
// requested address and released, so "in use" and "needs privileges" are clear errors now
// instead of a helper failing later (pasta 2023-03 even starts silently without the port).
// Host port 0 becomes a free port chosen by the kernel the same way.
import { dgram, net } from '../util/lazy-require.js';
import { readFileSync } from 'node:fs';
import { fail } from '../errors.js';
import type { PortMapping } from './ports.js';

function bindOnce(m: PortMapping): Promise<number> {
  const host = m.hostIp || '0.0.0.0';
  return new Promise((resolve, reject) => {
    if (m.protocol === 'tcp') {
      const server = net().createServer();
      server.once('error', reject);
      server.listen({ host, port: m.hostPort, exclusive: true }, () => {
        const port = (server.address() as { port: number }).port;
        server.close(() => resolve(port));
      });
    } else {
      const socket = dgram().createSocket(m.hostIp.includes(':') ? 'udp6' : 'udp4');
      socket.once('error', (err) => {
        socket.close();
        reject(err);
      });
      socket.bind({ address: host, port: m.hostPort, exclusive: true }, () => {
        const port = socket.address().port;
        socket.close(() => resolve(port));
      });
    }
  });
}

/** net.ipv4.ip_unprivileged_port_start: ports below it need CAP_NET_BIND_SERVICE on the host. */
export function unprivilegedPortStart(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim());
  } catch {
    return 1024;
  }
}

function explain(err: NodeJS.ErrnoException, m: PortMapping): never {
  const where = `${m.hostIp || '0.0.0.0'}:${m.hostPort}/${m.protocol}`;
  if (err.code === 'EADDRINUSE') fail(`cannot publish ${where}: the port is already in use on the host`, `choose another host port, e.g. -p ${m.hostPort + 1}:${m.containerPort}`);
  if (err.code === 'EACCES') {
    const start = unprivilegedPortStart();
    fail(`cannot publish ${where}: ports below ${start} need privileges on the host (net.ipv4.ip_unprivileged_port_start=${start})`,
      `publish a higher port (-p 8${String(m.hostPort).padStart(3, '0')}:${m.containerPort}), or let users bind it: sudo sysctl -w net.ipv4.ip_unprivileged_port_start=${m.hostPort}`);
  }
  if (err.code === 'EADDRNOTAVAIL') fail(`cannot publish ${where}: ${m.hostIp} is not an address of this host`, 'give one of the host\'s addresses, or none for all');
  fail(`cannot publish ${where}: ${err.message}`);
}

/** Every mapping checked, and host port 0 replaced by a free port; throws a one-line error. */
export async function reserveHostPorts(ports: PortMapping[]): Promise<PortMapping[]> {
  const out: PortMapping[] = [];
  for (const m of ports) {
    try {
      out.push({ ...m, hostPort: await bindOnce(m) });
    } catch (err) {
      explain(err as NodeJS.ErrnoException, m);
    }
  }
  return out;
}
