// `nook cp`: CONTAINER:PATH to a host path or `-` (a tar stream on stdout), and a host path
// or `-` (a tar stream on stdin) to CONTAINER:PATH. Docker's rules: an existing directory
// receives the source inside it, a new name becomes the copy, SRC/. copies the contents.
// The container side runs inside the container (containers/copy.ts); the host side is
// written by this user, so copies to the host are owned by them.
import { existsSync, lstatSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { NookError } from '../../errors.js';
import { resolveContainer } from '../../containers/state.js';
import { packInContainer, unpackInContainer } from '../../containers/copy.js';
import type { CpFlags } from '../commands/cp.js';

interface Side { container?: string; path: string }

/** CONTAINER:PATH, or a host path (anything with a slash before its first colon, or none). */
export function parseCpArg(arg: string): Side {
  if (arg === '-') return { path: '-' };
  const colon = arg.indexOf(':');
  if (colon <= 0 || arg.slice(0, colon).includes('/')) return { path: arg };
  return { container: arg.slice(0, colon), path: arg.slice(colon + 1) };
}

async function extractOnHost(stream: Readable, srcPath: string, dest: string): Promise<void> {
  const tar = await import('tar');
  const contents = srcPath.endsWith('/.');
  const target = resolve(dest);
  const isDir = existsSync(target) && statSync(target).isDirectory();
  if (contents || isDir) {
    if (!existsSync(target)) {
      if (!existsSync(dirname(target))) throw new NookError(`destination directory ${dirname(dest)} does not exist`);
    } else if (!isDir) throw new NookError(`cannot copy a directory to an existing file ${dest}`);
    mkdirSync(target, { recursive: true });
    await pipeline(stream, tar.x({ cwd: target, preserveOwner: false }));
    return;
  }
  if (dest.endsWith('/')) throw new NookError(`destination directory ${dest} does not exist`);
  if (!existsSync(dirname(target))) throw new NookError(`destination directory ${dirname(dest)} does not exist`);
  const tmp = mkdtempSync(join(dirname(target), '.nook-cp-'));
  try {
    const tops = new Set<string>();
    await pipeline(stream, tar.x({ cwd: tmp, preserveOwner: false, filter: (p: string) => (tops.add(p.replace(/^\.\//, '').split('/')[0]!), true) }));
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
