// The few calls Node's fs lacks, through libc: mknod (whiteouts, fifos), lsetxattr, lgetxattr,
// syncfs.
import { bytesParam, libcCall, types } from '../native/ffi.js';

export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;

const libc = (funcName: string, paramsType: unknown[], paramsValue: unknown[]) => libcCall(funcName, types()['I64']!, paramsType, paramsValue);

function sysError(call: string, path: string, errno: number): NodeJS.ErrnoException {
  const e = new Error(`${call} ${path}: errno ${errno}`) as NodeJS.ErrnoException;
  e.errno = errno;
  return e;
}

export function mknod(path: string, mode: number, dev = 0): void {
  const T = types();
  const r = libc('mknod', [T['String'], T['U32'], T['U64']], [path, mode, dev]);
  if (r.value !== 0) throw sysError('mknod', path, r.errno);
}

export function lsetxattr(path: string, name: string, value: Buffer): void {
  const T = types();
  const r = libc('lsetxattr', [T['String'], T['String'], bytesParam(value), T['I64'], T['I32']], [path, name, value, value.length, 0]);
  if (r.value !== 0) throw sysError('lsetxattr', path, r.errno);
}

/** The value of an extended attribute, or undefined when it is not set. */
export function lgetxattr(path: string, name: string): Buffer | undefined {
  const T = types();
  const size = libc('lgetxattr', [T['String'], T['String'], T['I64'], T['I64']], [path, name, 0, 0]);
  if (size.value < 0) return undefined;
  const buf = Buffer.alloc(size.value);
  if (size.value === 0) return buf;
  const r = libc('lgetxattr', [T['String'], T['String'], bytesParam(buf), T['I64']], [path, name, buf, buf.length]);
  return r.value < 0 ? undefined : buf.subarray(0, r.value);
}

/** Flushes the whole file system that `fd` is on to disk. */
export function syncfs(fd: number, path: string): void {
  const r = libc('syncfs', [types()['I32']], [fd]);
  if (r.value !== 0) throw sysError('syncfs', path, r.errno);
}
