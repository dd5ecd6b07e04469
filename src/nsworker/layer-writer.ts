// Writes one layer's entries into its own directory, never following a link out of it: every
// parent is walked component by component with lstat, files are created O_EXCL|O_NOFOLLOW after
// removing whatever stood there, and hard links must point at something already in the layer.
import {
  closeSync, fchmodSync, fchownSync, ftruncateSync, futimesSync, lchownSync, linkSync, lstatSync,
  lutimesSync, mkdirSync, openSync, rmSync, symlinkSync, unlinkSync, writeSync, constants, chmodSync,
} from 'node:fs';
import { join } from 'node:path';
import { S_IFCHR, S_IFIFO, lsetxattr, mknod } from './syscalls.js';
import { EntryRefused, classifyEntry, entryComponents, orderForModeFix, xattrAllowed } from './entry-rules.js';
import type { TarEntry, TarSink } from './tar-reader.js';
import { diskFullReason } from '../storage/disk-space.js';

export interface WriterOptions {
  /** false in a single-id user namespace: every file stays owned by the user (root inside). */
  chown: boolean;
  /** limits.maxLayerBytes: what the layer may take once written out, holes of sparse files included */
  maxBytes: number;
  note(line: string): void;
}

const OPAQUE_XATTR = 'user.overlay.opaque';
const OPEN_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

interface DirMeta { mode: number; mtime: number }

export class LayerWriter implements TarSink {
  /** Directories known to be real directories inside the layer (not symlinks). */
  private readonly safeDirs = new Set<string>(['']);
  private readonly dirMeta = new Map<string, DirMeta>();
  private current: { entry: TarEntry; rel: string; fd: number; written: number } | undefined;
  private skippedDevices = 0;
  private firstDevice = '';
  private skippedXattrs = new Set<string>();
  private unmappedOwners = 0;

  /** The path of the entry seen last, for errors raised outside an entry (size limits). */
  lastEntry = '';
  /**
   * The layer's size as the copy driver, export and cp see it: its tar bytes plus the holes of
   * its sparse files. A few bytes of tar can declare a sparse file of terabytes; counted at
   * their full size they meet the same limit as any file.
   */
  logicalBytes = 0;

  constructor(private readonly root: string, private readonly opts: WriterOptions) {}

  entry(e: TarEntry): void {
    this.lastEntry = e.path;
    // Before the file exists: its data may be written at any offset below its declared size.
    // The stored part is counted again with the tar bytes, so endEntry takes it back out.
    if (e.sparse) {
      this.logicalBytes += e.size;
      this.checkSize();
    }
    try {
      this.apply(e);
    } catch (err) {
      throw entryError(e.path, err);
    }
  }

  /** Counts `n` bytes of the layer's tar stream against the limit. */
  countTarBytes(n: number): void {
    this.logicalBytes += n;
    this.checkSize();
  }

  private checkSize(): void {
    if (this.logicalBytes <= this.opts.maxBytes) return;
    throw new EntryError(`layer entry "${this.lastEntry}": refused: the layer unpacks to more than limits.maxLayerBytes (${this.opts.maxBytes} bytes; sparse files count at their full size), a possible decompression bomb (raise the limit in the nook config if the image is genuine)`);
  }

  data(chunk: Buffer, offset: number): void {
    const c = this.current;
    if (!c) return;
    c.written += chunk.length;
    try {
      let done = 0;
      while (done < chunk.length) done += writeSync(c.fd, chunk, done, chunk.length - done, offset + done);
    } catch (err) {
      throw entryError(c.entry.path, err);
    }
  }

  endEntry(): void {
    const c = this.current;
    if (!c) return;
    this.current = undefined;
    try {
      const e = c.entry;
      if (e.sparse) {
        this.logicalBytes -= Math.min(c.written, e.size);
        ftruncateSync(c.fd, e.size);
      }
      this.own(c.rel, e, c.fd);
      // After chown: the kernel clears setuid/setgid on chown, so the mode goes last.
      fchmodSync(c.fd, e.mode);
      futimesSync(c.fd, e.mtime, e.mtime);
    } catch (err) {
      throw entryError(c.entry.path, err);
    } finally {
      closeSync(c.fd);
    }
    this.setXattrs(c.rel, c.entry);
  }

  /** Applies directory modes and times (deepest first) and prints the notes, once each. */
  finish(): void {
    for (const rel of orderForModeFix([...this.dirMeta.keys()])) {
      const m = this.dirMeta.get(rel)!;
      const abs = this.abs(rel);
      if (!lstatSync(abs).isDirectory()) continue;
      chmodSync(abs, m.mode);
      lutimesSync(abs, m.mtime, m.mtime);
    }
    if (this.skippedDevices > 0) this.opts.note(`skipped ${this.skippedDevices} device node(s) (first: ${this.firstDevice}): rootless containers cannot create them`);
    if (this.skippedXattrs.size > 0) this.opts.note(`skipped extended attributes an unprivileged user cannot store: ${[...this.skippedXattrs].join(', ')}`);
    if (this.unmappedOwners > 0) this.opts.note(`${this.unmappedOwners} file(s) owned by ids outside the user namespace's mapping were left owned by root`);
  }

  private abs(rel: string): string {
    return rel === '' ? this.root : join(this.root, rel);
  }

  private apply(e: TarEntry): void {
    const parts = entryComponents(e.path);
    const kind = classifyEntry(parts);
    if (kind.action === 'whiteout') {
      const parent = this.ensureDir(kind.parent);
      const rel = joinRel(parent, kind.name);
      this.removeExisting(rel);
      mknod(this.abs(rel), S_IFCHR | 0o000, 0);
      return;
    }
    if (kind.action === 'opaque') {
      const dir = this.ensureDir(kind.dir);
      lsetxattr(this.abs(dir), OPAQUE_XATTR, Buffer.from('y'));
      return;
    }
    if (parts.length === 0) {
      // The layer root itself ("./"): only its metadata.
      if (e.kind !== 'dir') throw new EntryRefused('the layer root must be a directory');
      this.dirMeta.set('', { mode: e.mode, mtime: e.mtime });
      this.own('', e);
      return;
    }
    const parent = this.ensureDir(parts.slice(0, -1));
    const rel = joinRel(parent, parts[parts.length - 1]!);
    const abs = this.abs(rel);
    switch (e.kind) {
      case 'dir': {
        if (!tryCreate(() => mkdirSync(abs, { mode: 0o700 })) && !lstatOrUndefined(abs)?.isDirectory()) {
          this.removeExisting(rel);
          mkdirSync(abs, { mode: 0o700 });
        }
        chmodSync(abs, (e.mode | 0o700) & 0o7777);
        this.safeDirs.add(rel);
        this.dirMeta.set(rel, { mode: e.mode, mtime: e.mtime });
        this.own(rel, e);
        this.setXattrs(rel, e);
        return;
      }
      case 'file': {
        const fd = this.createFresh(rel, () => openSync(abs, OPEN_NEW, 0o600));
        this.current = { entry: e, rel, fd, written: 0 };
        return;
      }
      case 'symlink': {
        this.createFresh(rel, () => symlinkSync(e.linkpath, abs));
        this.own(rel, e);
        lutimesSync(abs, e.mtime, e.mtime);
        return;
      }
      case 'hardlink': {
        const target = entryComponents(e.linkpath);
        if (target.length === 0) throw new EntryRefused(`hard link to the layer root`);
        const targetParent = this.existingDir(target.slice(0, -1), e.linkpath);
        const targetRel = joinRel(targetParent, target[target.length - 1]!);
        const st = lstatOrUndefined(this.abs(targetRel));
        if (!st) throw new EntryRefused(`hard link to "${e.linkpath}", which is not in this layer`);
        if (st.isDirectory()) throw new EntryRefused(`hard link to the directory "${e.linkpath}"`);
        if (targetRel === rel) return;
        // link(2) does not follow a symlink given as the target on Linux: it links the symlink.
        this.createFresh(rel, () => linkSync(this.abs(targetRel), abs));
        return;
      }
      case 'fifo': {
        this.removeExisting(rel);
        mknod(abs, S_IFIFO | 0o600, 0);
        this.own(rel, e);
        chmodSync(abs, e.mode);
        lutimesSync(abs, e.mtime, e.mtime);
        return;
      }
      case 'char':
      case 'block':
        if (this.skippedDevices++ === 0) this.firstDevice = e.path;
        return;
    }
  }

  /** Makes sure the directory exists inside the layer, creating missing parents like Docker (0755, root). */
  private ensureDir(parts: string[]): string {
    let rel = '';
    for (const name of parts) {
      rel = joinRel(rel, name);
      if (this.safeDirs.has(rel)) continue;
      const st = lstatOrUndefined(this.abs(rel));
      if (!st) {
        mkdirSync(this.abs(rel), { mode: 0o755 });
      } else if (st.isSymbolicLink()) {
        throw new EntryRefused(`parent "${rel}" is a symlink`);
      } else if (!st.isDirectory()) {
        throw new EntryRefused(`parent "${rel}" is not a directory`);
      }
      this.safeDirs.add(rel);
    }
    return rel;
  }

  /** Like ensureDir but for a hard link's target: every parent must already exist. */
  private existingDir(parts: string[], linkpath: string): string {
    let rel = '';
    for (const name of parts) {
      rel = joinRel(rel, name);
      if (this.safeDirs.has(rel)) continue;
      const st = lstatOrUndefined(this.abs(rel));
      if (!st) throw new EntryRefused(`hard link to "${linkpath}", which is not in this layer`);
      if (!st.isDirectory()) throw new EntryRefused(`hard link to "${linkpath}" through the ${st.isSymbolicLink() ? 'symlink' : 'non-directory'} "${rel}"`);
      this.safeDirs.add(rel);
    }
    return rel;
  }

  /**
   * Creates an entry with `create`, which fails with EEXIST rather than touch what stands there
   * (O_EXCL, symlink, link: none follows a symlink in the last component); only then is that
   * removed and the entry created again. A fresh layer dir rarely has a second entry of one
   * path, so this saves a stat per entry.
   */
  private createFresh<T>(rel: string, create: () => T): T {
    try {
      return create();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    this.removeExisting(rel);
    return create();
  }

  private removeExisting(rel: string): void {
    const abs = this.abs(rel);
    const st = lstatOrUndefined(abs);
    if (!st) return;
    if (st.isDirectory()) {
      // rm does not follow symlinks inside the tree it removes.
      rmSync(abs, { recursive: true, force: true });
      for (const d of [...this.safeDirs]) if (d === rel || d.startsWith(rel + '/')) this.safeDirs.delete(d);
      for (const d of [...this.dirMeta.keys()]) if (d === rel || d.startsWith(rel + '/')) this.dirMeta.delete(d);
    } else {
      unlinkSync(abs);
    }
  }

  private own(rel: string, e: TarEntry, fd?: number): void {
    if (!this.opts.chown) {
      if (e.uid !== 0 || e.gid !== 0) this.unmappedOwners++;
      return;
    }
    try {
      if (fd !== undefined) fchownSync(fd, e.uid, e.gid);
      else lchownSync(this.abs(rel), e.uid, e.gid);
    } catch (err) {
      // EINVAL: the id is outside the namespace's mapping.
      if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw err;
      this.unmappedOwners++;
    }
  }

  private setXattrs(rel: string, e: TarEntry): void {
    for (const [name, value] of e.xattrs) {
      if (!xattrAllowed(name)) {
        this.skippedXattrs.add(name);
        continue;
      }
      try {
        lsetxattr(this.abs(rel), name, value);
      } catch {
        this.skippedXattrs.add(name);
      }
    }
  }
}

function joinRel(parent: string, name: string): string {
  return parent === '' ? name : `${parent}/${name}`;
}

/** lstat without an exception for a missing path: a thrown error costs more than the call. */
function lstatOrUndefined(p: string): ReturnType<typeof lstatSync> | undefined {
  return lstatSync(p, { throwIfNoEntry: false });
}

/** Runs a create call; false when something already stands at its path (EEXIST). */
function tryCreate(create: () => unknown): boolean {
  try {
    create();
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** The one line a refused or failed entry is reported with. */
export class EntryError extends Error {}

function entryError(path: string, err: unknown): EntryError {
  if (err instanceof EntryError) return err;
  const why = err instanceof EntryRefused ? err.message : (diskFullReason(err) ?? (err as Error).message);
  return new EntryError(`layer entry "${path}": ${err instanceof EntryRefused ? 'refused: ' : ''}${why}`);
}
