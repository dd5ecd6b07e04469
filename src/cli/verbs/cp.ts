// `nook cp`: CONTAINER:PATH to a host path or `-` (a tar stream on stdout), and a host path
// or `-` (a tar stream on stdin) to CONTAINER:PATH. Docker's rules: an existing directory
// receives the source inside it, a new name becomes the copy, SRC/. copies the contents.
// The container side runs inside the container (containers/copy.ts); the host side is
// written by this user, so copies to the host are owned by them.
import { existsSync, lstatSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, symlinkSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { NookError } from '../../errors.js';
import { resolveContainer } from '../../containers/state.js';
import { packInContainer, unpackInContainer } from '../../containers/copy.js';
import type { CpFlags } from '../flags/cp.js';

interface Side { container?: string; path: string }

/** CONTAINER:PATH, or a host path (anything with a slash before its first colon, or none). */
export function parseCpArg(arg: string): Side {
  if (arg === '-') return { path: '-' };
  const colon = arg.indexOf(':');
  if (colon <= 0 || arg.slice(0, colon).includes('/')) return { path: arg };
  return { container: arg.slice(0, colon), path: arg.slice(colon + 1) };
}

/**
 * Unpacks a stream the container wrote (its own tar, so untrusted) at `cwd`. node-tar skips
 * names and hard links with `..`, makes absolute names relative, skips device nodes and fifos
 * and refuses to write through a symlink; we keep no owners and no set-id bit, so a copy out of
 * a container never makes a set-id program on the host (nook as root would make it root's).
 * Symlinks are made last, as they are (Docker copies a link as a link; node-tar would rewrite
 * an absolute target and drop one leading out), so nothing of this copy is written through one.
 */
async function unpackOnHost(stream: Readable, cwd: string, onName: (path: string) => void = () => undefined): Promise<void> {
  const tar = await import('tar');
  const links: Array<{ path: string; target: string }> = [];
  await pipeline(stream, tar.x({
    cwd,
    preserveOwner: false,
    onReadEntry: (e) => {
      if (e.mode !== undefined) e.mode &= ~0o6000;
    },
    filter: (path, entry) => {
      onName(path);
      if (!('type' in entry) || entry.type !== 'SymbolicLink') return true;
      links.push({ path, target: entry.linkpath ?? '' });
      return false;
    },
  }));
  for (const { path, target } of links) makeLink(cwd, path, target);
}

/** A link at `path` under `cwd`: only through real directories, never replacing one. */
function makeLink(cwd: string, path: string, target: string): void {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0 || parts.includes('..')) return;
  let dir = cwd;
  for (const p of parts.slice(0, -1)) {
    dir = join(dir, p);
    if (!lstatSync(dir, { throwIfNoEntry: false })?.isDirectory()) return;
  }
  const at = join(dir, parts.at(-1)!);
  const old = lstatSync(at, { throwIfNoEntry: false });
  if (old?.isDirectory()) return;
  if (old) unlinkSync(at);
  symlinkSync(target, at);
}

async function extractOnHost(stream: Readable, srcPath: string, dest: string): Promise<void> {
  const contents = srcPath.endsWith('/.');
  const target = resolve(dest);
  const isDir = existsSync(target) && statSync(target).isDirectory();
  if (contents || isDir) {
    if (!existsSync(target)) {
      if (!existsSync(dirname(target))) throw new NookError(`destination directory ${dirname(dest)} does not exist`);
    } else if (!isDir) throw new NookError(`cannot copy a directory to an existing file ${dest}`);
    mkdirSync(target, { recursive: true });
    await unpackOnHost(stream, target);
    return;
  }
  if (dest.endsWith('/')) throw new NookError(`destination directory ${dest} does not exist`);
  if (!existsSync(dirname(target))) throw new NookError(`destination directory ${dirname(dest)} does not exist`);
  const tmp = mkdtempSync(join(dirname(target), '.nook-cp-'));
  try {
    const tops = new Set<string>();
    await unpackOnHost(stream, tmp, (p) => tops.add(p.replace(/^\.\//, '').split('/')[0]!));
    const [top] = [...tops];
    if (!top || tops.size !== 1) throw new NookError(`the copy of ${srcPath} did not produce one entry`);
    if (existsSync(target) && lstatSync(join(tmp, top)).isDirectory()) throw new NookError(`cannot copy a directory to an existing file ${dest}`);
    renameSync(join(tmp, top), target);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export async function cp(source: string, destination: string, flags: CpFlags): Promise<number> {
  const src = parseCpArg(source);
  const dst = parseCpArg(destination);
  if (src.container !== undefined && dst.container !== undefined) throw new NookError('copying between containers is not supported');
  if (src.container === undefined && dst.container === undefined) throw new NookError('must specify at least one container source');
  if (src.container !== undefined) {
    if (!src.path.startsWith('/')) src.path = '/' + src.path;
    const c = resolveContainer(src.container);
    const { stream, done } = await packInContainer(c, src.container, src.path, flags.followLink ?? false);
    const copied = dst.path === '-' ? pipeline(stream, process.stdout, { end: false }) : extractOnHost(stream, src.path, dst.path);
    // the container side's error (a missing file) explains a short stream: report it first
    const [inside, host] = await Promise.allSettled([done, copied]);
    if (inside.status === 'rejected') throw inside.reason;
    if (host.status === 'rejected') throw host.reason;
    return 0;
  }
  const ref = dst.container!;
  const destPath = dst.path.startsWith('/') ? dst.path : '/' + dst.path;
  const c = resolveContainer(ref);
  let archive: Readable;
  let topName = '';
  let contents = false;
  if (src.path === '-') {
    archive = process.stdin;
    contents = true;
  } else {
    const hostPath = resolve(src.path);
    try {
      (flags.followLink ? statSync : lstatSync)(hostPath);
    } catch {
      throw new NookError(`no such file or directory: ${src.path}`);
    }
    const tar = await import('tar');
    contents = src.path.endsWith('/.');
    const follow = flags.followLink ?? false;
    topName = basename(hostPath);
    const pack = contents
      ? tar.c({ cwd: hostPath, follow }, ['.'])
      : tar.c({ cwd: dirname(hostPath), follow }, [topName]);
    // node-tar's Pack is a minipass stream: wrap it so stream.pipeline sees a Readable
    archive = Readable.from(pack);
  }
  const { input, done } = await unpackInContainer(c, ref, destPath, { topName, contents, keepOwners: flags.archive ?? false });
  const sent = pipeline(archive, input);
  const [inside, host] = await Promise.allSettled([done, sent]);
  if (inside.status === 'rejected') throw inside.reason;
  if (host.status === 'rejected' && (host.reason as NodeJS.ErrnoException).code !== 'EPIPE') throw host.reason;
  return 0;
}
