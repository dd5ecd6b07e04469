// `nook port`: the container's published ports, as Docker prints them.
import { resolveContainer } from '../../containers/state.js';
import { NookError } from '../../errors.js';

export async function port(ref: string, privatePort: string | undefined): Promise<number> {
  const c = resolveContainer(ref);
  const published = (c.config.ports ?? []).filter((p) => p.hostPort);
  const key = (p: { containerPort: number; protocol?: string }) => `${p.containerPort}/${p.protocol ?? 'tcp'}`;
  if (privatePort === undefined) {
    process.stdout.write(published.map((p) => `${key(p)} -> ${p.hostIp || '0.0.0.0'}:${p.hostPort}\n`).join(''));
    return 0;
  }
  const m = /^(\d+)(?:\/(tcp|udp|sctp))?$/.exec(privatePort);
  if (!m) throw new NookError(`Invalid port: ${privatePort}`, { hint: 'PORT or PORT/PROTO' });
  const wanted = `${m[1]}/${m[2] ?? 'tcp'}`;
  const hits = published.filter((p) => key(p) === wanted);
  if (hits.length === 0) throw new NookError(`No public port '${wanted}' published for ${ref}`);
  process.stdout.write(hits.map((p) => `${p.hostIp || '0.0.0.0'}:${p.hostPort}\n`).join(''));
  return 0;
}
