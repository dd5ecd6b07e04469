// A push-driven tar reader: ustar, GNU long names (L/K), PAX (x/g) with SCHILY.xattr.*, base-256
// numbers, and sparse files (old GNU 'S' and PAX GNU.sparse 1.0). Written here rather than taken
// from node-tar because node-tar's parser drops xattrs and sparse maps, and because a
// synchronous sink keeps the unpacker simple: each chunk is written before the next is read.

export type EntryKind = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';

export interface TarEntry {
  path: string;
  kind: EntryKind;
  mode: number;
  uid: number;
  gid: number;
  /** Length of the file's content (the real size for sparse files). */
  size: number;
  /** Seconds since the epoch, fractional from PAX. */
  mtime: number;
  linkpath: string;
  devmajor: number;
  devminor: number;
  xattrs: Map<string, Buffer>;
  sparse: boolean;
}

export interface TarSink {
  entry(e: TarEntry): void;
  /** Content bytes of the current entry at file offset `offset`. */
  data(chunk: Buffer, offset: number): void;
  endEntry(): void;
}

export class TarFormatError extends Error {}

const BLOCK = 512;
/** Long names and PAX headers are buffered; a bound keeps a hostile archive from eating memory. */
const MAX_META_BYTES = 1 << 20;
const MAX_SPARSE_SEGMENTS = 1 << 16;

interface Segment { offset: number; length: number }

type State =
  | { s: 'header' }
  | { s: 'meta'; type: string; remain: number; parts: Buffer[] }
  | { s: 'sparseExt'; entry: TarEntry; map: Segment[]; stored: number }
  | { s: 'sparseMap'; entry: TarEntry; stored: number; text: Buffer[]; textLen: number }
  | { s: 'data'; remain: number; pad: number; segments: Segment[] | undefined; fileOffset: number }
  | { s: 'pad'; remain: number }
  | { s: 'eof' };

interface Pending {
  path?: string;
  linkpath?: string;
  pax: Map<string, Buffer>;
}

export class TarReader {
  private state: State = { s: 'header' };
  private buf: Buffer = Buffer.alloc(0);
  private pending: Pending = { pax: new Map() };
  private globalPax = new Map<string, Buffer>();
  private zeroBlocks = 0;

  constructor(private readonly sink: TarSink) {}

  /** True once the end-of-archive marker was read; trailing bytes are ignored. */
  get done(): boolean {
    return this.state.s === 'eof';
  }

  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    let off = 0;
    for (;;) {
      const used = this.step(this.buf, off);
      if (used === 0) break;
      off += used;
    }
    this.buf = off === this.buf.length ? Buffer.alloc(0) : this.buf.subarray(off);
  }

  /** Call at end of input: a truncated archive is an error. */
  end(): void {
    if (this.state.s === 'eof') return;
    if (this.state.s === 'header' && this.buf.length === 0 && this.zeroBlocks > 0) return;
    throw new TarFormatError('layer tar is truncated');
  }

  /** Consumes bytes from buf at off; returns how many (0 = need more input). */
  private step(buf: Buffer, off: number): number {
    const avail = buf.length - off;
    const st = this.state;
    switch (st.s) {
      case 'eof':
        return avail; // padding after the end marker
      case 'header': {
        if (avail < BLOCK) return 0;
        this.header(buf.subarray(off, off + BLOCK));
        return BLOCK;
      }
      case 'pad': {
        const n = Math.min(avail, st.remain);
        st.remain -= n;
        if (st.remain === 0) this.state = { s: 'header' };
        return n;
      }
      case 'meta': {
        const padded = st.remain + padLen(st.remain);
        if (avail < padded) return 0;
        this.meta(st.type, buf.subarray(off, off + st.remain));
        this.state = { s: 'header' };
        return padded;
      }
      case 'sparseExt': {
        if (avail < BLOCK) return 0;
        const b = buf.subarray(off, off + BLOCK);
        readSparseEntries(b, 0, 21, st.map);
        if (b[504] === 0) this.startData(st.entry, st.stored, st.map);
        return BLOCK;
      }
      case 'sparseMap': {
        // PAX sparse 1.0: decimal map at the start of the data, padded to a block.
        if (avail < BLOCK) return 0;
        const b = buf.subarray(off, off + BLOCK);
        st.text.push(b);
        st.textLen += BLOCK;
        const map = parseSparseText(Buffer.concat(st.text));
        if (map) {
          this.startData(st.entry, st.stored - st.textLen, map);
        } else if (st.textLen > MAX_META_BYTES || st.textLen >= st.stored) {
          throw new TarFormatError(`bad sparse map for ${st.entry.path}`);
        }
        return BLOCK;
      }
      case 'data': {
        if (avail === 0) return 0;
        const n = Math.min(avail, st.remain);
        this.emitData(st, buf.subarray(off, off + n));
        st.remain -= n;
        if (st.remain === 0) this.finishData(st);
        return n;
      }
    }
  }

  private finishData(st: { pad: number }): void {
    this.sink.endEntry();
    this.state = st.pad > 0 ? { s: 'pad', remain: st.pad } : { s: 'header' };
  }

  private emitData(st: { segments: Segment[] | undefined; fileOffset: number }, chunk: Buffer): void {
    if (!st.segments) {
      this.sink.data(chunk, st.fileOffset);
      st.fileOffset += chunk.length;
      return;
    }
    // Sparse: stored bytes fill the segments in order.
    let c = 0;
    while (c < chunk.length) {
      const seg = st.segments[0];
      if (!seg) throw new TarFormatError('sparse data longer than its map');
      const n = Math.min(seg.length, chunk.length - c);
      this.sink.data(chunk.subarray(c, c + n), seg.offset);
      seg.offset += n;
      seg.length -= n;
      c += n;
      if (seg.length === 0) st.segments.shift();
    }
  }

  private header(b: Buffer): void {
    if (isZero(b)) {
      this.zeroBlocks++;
      if (this.zeroBlocks === 2) this.state = { s: 'eof' };
      return;
    }
    if (this.zeroBlocks > 0) throw new TarFormatError('data after an end-of-archive block');
    if (!checksumOk(b)) throw new TarFormatError('bad tar header checksum');
    const type = String.fromCharCode(b[156] || 0x30);
    const size = num(b, 124, 12);
    if (type === 'L' || type === 'K' || type === 'x' || type === 'g') {
      if (size > MAX_META_BYTES) throw new TarFormatError(`tar metadata header of ${size} bytes is too large`);
      this.state = { s: 'meta', type, remain: size, parts: [] };
      return;
    }
    const magic = b.toString('latin1', 257, 263);
    const ustar = magic === 'ustar\0' || magic === 'ustar ';
    let name = cstr(b, 0, 100);
    const prefix = magic === 'ustar\0' ? cstr(b, 345, 155) : '';
    if (prefix) name = `${prefix}/${name}`;
    const p = this.pending;
    const pax = new Map([...this.globalPax, ...p.pax]);
    this.pending = { pax: new Map() };
    const paxStr = (k: string) => pax.get(k)?.toString('utf8');
    const path = paxStr('GNU.sparse.name') ?? paxStr('path') ?? p.path ?? name;
    const kind = kindOf(type, path);
    if (!kind) throw new TarFormatError(`unsupported tar entry type '${type}' for ${path}`);
    const xattrs = new Map<string, Buffer>();
    for (const [k, v] of pax) {
      if (k.startsWith('SCHILY.xattr.')) xattrs.set(k.slice(13), v);
      else if (k.startsWith('LIBARCHIVE.xattr.')) xattrs.set(decodeURIComponent(k.slice(17)), Buffer.from(v.toString(), 'base64'));
    }
    const paxNum = (k: string) => {
      const v = paxStr(k);
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) throw new TarFormatError(`bad PAX ${k} "${v}" for ${path}`);
      return n;
    };
    const stored = paxNum('size') ?? size;
    const entry: TarEntry = {
      path,
      kind,
      mode: num(b, 100, 8) & 0o7777,
      uid: paxNum('uid') ?? num(b, 108, 8),
      gid: paxNum('gid') ?? num(b, 116, 8),
      size: stored,
      mtime: paxNum('mtime') ?? num(b, 136, 12),
      linkpath: paxStr('linkpath') ?? p.linkpath ?? cstr(b, 157, 100),
      devmajor: ustar ? num(b, 329, 8) : 0,
      devminor: ustar ? num(b, 337, 8) : 0,
      xattrs,
      sparse: false,
    };
    if (kind === 'dir' || kind === 'symlink' || kind === 'hardlink' || kind === 'char' || kind === 'block' || kind === 'fifo') {
      // These carry no content, whatever the size field claims (hard links in some writers do).
      this.sink.entry(entry);
      this.sink.endEntry();
      this.state = stored > 0 ? { s: 'pad', remain: stored + padLen(stored) } : { s: 'header' };
      return;
    }
    if (type === 'S') {
      // Old GNU sparse: 4 map entries in the header, more in extension blocks.
      entry.sparse = true;
      entry.size = num(b, 483, 12);
      const map: Segment[] = [];
      readSparseEntries(b, 386, 4, map);
      if (b[482] !== 0) {
        this.state = { s: 'sparseExt', entry, map, stored };
        return;
      }
      this.startData(entry, stored, map);
      return;
    }
    if (paxStr('GNU.sparse.major') === '1') {
      entry.sparse = true;
      entry.size = paxNum('GNU.sparse.realsize') ?? 0;
      this.state = { s: 'sparseMap', entry, stored, text: [], textLen: 0 };
      return;
    }
    if (pax.has('GNU.sparse.map') || pax.has('GNU.sparse.offset')) throw new TarFormatError(`unsupported PAX sparse format 0.x for ${path}`);
    this.startData(entry, stored, undefined);
  }

  private startData(entry: TarEntry, stored: number, segments: Segment[] | undefined): void {
    if (segments) {
      let total = 0;
      for (const s of segments) {
        if (s.offset + s.length > entry.size) throw new TarFormatError(`sparse map of ${entry.path} points past its size`);
        total += s.length;
      }
      if (total !== stored) throw new TarFormatError(`sparse map of ${entry.path} does not match its data`);
    }
    this.sink.entry(entry);
    // `stored` excludes a PAX sparse map, which is whole blocks, so the padding is unchanged.
    this.state = { s: 'data', remain: stored, pad: padLen(stored), segments, fileOffset: 0 };
    if (stored === 0) {
      this.sink.endEntry();
      this.state = { s: 'header' };
    }
  }

  private meta(type: string, body: Buffer): void {
    if (type === 'L') this.pending.path = cstr(body, 0, body.length);
    else if (type === 'K') this.pending.linkpath = cstr(body, 0, body.length);
    else parsePax(body, type === 'g' ? this.globalPax : this.pending.pax);
  }
}

function padLen(n: number): number {
  return (BLOCK - (n % BLOCK)) % BLOCK;
}

function isZero(b: Buffer): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

function checksumOk(b: Buffer): boolean {
  const want = num(b, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : b[i]!;
  return sum === want;
}

function cstr(b: Buffer, off: number, len: number): string {
  const end = b.indexOf(0, off);
  return b.toString('utf8', off, end >= 0 && end < off + len ? end : off + len);
}

/** Octal (NUL or space terminated) or GNU base-256 when the top bit is set. */
function num(b: Buffer, off: number, len: number): number {
  if (b[off]! & 0x80) {
    let v = b[off]! & 0x3f;
    if (b[off]! & 0x40) throw new TarFormatError('negative number in tar header');
    for (let i = 1; i < len; i++) v = v * 256 + b[off + i]!;
    if (!Number.isSafeInteger(v)) throw new TarFormatError('number in tar header too large');
    return v;
  }
  const s = b.toString('latin1', off, off + len).replace(/[\0 ].*$/s, '').trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new TarFormatError(`bad octal number "${s}" in tar header`);
  return parseInt(s, 8);
}

function kindOf(type: string, path: string): EntryKind | undefined {
  switch (type) {
    case '0': case '\0': case '7': case 'S':
      return path.endsWith('/') ? 'dir' : 'file';
    case '1': return 'hardlink';
    case '2': return 'symlink';
    case '3': return 'char';
    case '4': return 'block';
    case '5': return 'dir';
    case '6': return 'fifo';
    default: return undefined;
  }
}

function readSparseEntries(b: Buffer, off: number, count: number, into: Segment[]): void {
  for (let i = 0; i < count; i++) {
    const o = off + i * 24;
    if (b[o] === 0) return;
    if (into.length >= MAX_SPARSE_SEGMENTS) throw new TarFormatError('sparse map too long');
    into.push({ offset: num(b, o, 12), length: num(b, o + 12, 12) });
  }
}

/** The PAX 1.0 map: count, then offset/length pairs, one decimal per line. Undefined: need more. */
function parseSparseText(text: Buffer): Segment[] | undefined {
  const lines = text.toString('latin1').split('\n');
  const count = Number(lines[0]);
  if (!Number.isSafeInteger(count) || count < 0 || count > MAX_SPARSE_SEGMENTS) throw new TarFormatError('bad sparse map');
  if (lines.length < 2 + count * 2) return undefined;
  const map: Segment[] = [];
  for (let i = 0; i < count; i++) {
    const offset = Number(lines[1 + 2 * i]);
    const length = Number(lines[2 + 2 * i]);
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) throw new TarFormatError('bad sparse map');
    map.push({ offset, length });
  }
  return map;
}

/** PAX records: "<len> <key>=<value>\n", values kept as bytes (xattrs are binary). */
function parsePax(body: Buffer, into: Map<string, Buffer>): void {
  let off = 0;
  while (off < body.length) {
    if (body[off] === 0) break;
    const sp = body.indexOf(0x20, off);
    if (sp < 0) throw new TarFormatError('bad PAX header');
    const len = Number(body.toString('latin1', off, sp));
    if (!Number.isSafeInteger(len) || len <= sp - off + 1 || off + len > body.length) throw new TarFormatError('bad PAX record length');
    const rec = body.subarray(sp + 1, off + len - 1);
    const eq = rec.indexOf(0x3d);
    if (eq < 0) throw new TarFormatError('bad PAX record');
    const key = rec.toString('utf8', 0, eq);
    const value = Buffer.from(rec.subarray(eq + 1));
    if (value.length === 0) into.delete(key);
    else into.set(key, value);
    off += len;
  }
}
