// Builds tar archives byte by byte, hostile ones included, for the unpacker and pull tests.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

export interface TarSpec {
  path: string;
  type?: '0' | '1' | '2' | '3' | '4' | '5' | '6';
  body?: string | Buffer;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  linkpath?: string;
  pax?: Record<string, string | Buffer>;
}

function octal(n: number, len: number): string {
  return n.toString(8).padStart(len - 1, '0') + '\0';
}

function header(s: { path: string; type: string; size: number; mode: number; uid: number; gid: number; mtime: number; linkpath: string }): Buffer {
  const b = Buffer.alloc(512);
  b.write(s.path.slice(0, 100), 0, 'utf8');
  b.write(octal(s.mode, 8), 100, 'latin1');
  b.write(octal(s.uid, 8), 108, 'latin1');
  b.write(octal(s.gid, 8), 116, 'latin1');
  b.write(octal(s.size, 12), 124, 'latin1');
  b.write(octal(s.mtime, 12), 136, 'latin1');
  b.write(s.type, 156, 'latin1');
  b.write(s.linkpath.slice(0, 100), 157, 'utf8');
  b.write('ustar\0', 257, 'latin1');
  b.write('00', 263, 'latin1');
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of b) sum += x;
  b.write(octal(sum, 7) + ' ', 148, 'latin1');
  return b;
}

function padded(body: Buffer): Buffer[] {
  const pad = (512 - (body.length % 512)) % 512;
  return [body, Buffer.alloc(pad)];
}

function paxRecord(key: string, value: Buffer): Buffer {
  const rest = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
  let len = rest.length + 1;
  while (String(len).length + rest.length !== len) len++;
  return Buffer.concat([Buffer.from(String(len)), rest]);
}

export function buildTar(entries: TarSpec[]): Buffer {
  const out: Buffer[] = [];
  for (const e of entries) {
    const body = e.body === undefined ? Buffer.alloc(0) : Buffer.from(e.body);
    const pax = { ...(e.pax ?? {}) };
    if (Buffer.byteLength(e.path) > 100) pax['path'] = e.path;
    if (e.linkpath && Buffer.byteLength(e.linkpath) > 100) pax['linkpath'] = e.linkpath;
    if (Object.keys(pax).length > 0) {
      const data = Buffer.concat(Object.entries(pax).map(([k, v]) => paxRecord(k, Buffer.from(v))));
      out.push(header({ path: 'PaxHeader', type: 'x', size: data.length, mode: 0o644, uid: 0, gid: 0, mtime: 0, linkpath: '' }), ...padded(data));
    }
    const type = e.type ?? (e.path.endsWith('/') ? '5' : '0');
    out.push(header({ path: e.path, type, size: type === '0' ? body.length : 0, mode: e.mode ?? (type === '5' ? 0o755 : 0o644), uid: e.uid ?? 0, gid: e.gid ?? 0, mtime: e.mtime ?? 1_700_000_000, linkpath: e.linkpath ?? '' }));
    if (type === '0') out.push(...padded(body));
  }
  out.push(Buffer.alloc(1024));
  return Buffer.concat(out);
}

export function sha256(b: Buffer): string {
  return 'sha256:' + createHash('sha256').update(b).digest('hex');
}

export function gzipTar(entries: TarSpec[]): { tar: Buffer; gz: Buffer } {
  const tar = buildTar(entries);
  return { tar, gz: gzipSync(tar) };
}
