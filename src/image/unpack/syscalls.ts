// The few calls Node's fs lacks, through libc: mknod (whiteouts, fifos), lsetxattr, lgetxattr.
import { bytesParam, openLibrary } from '../../native/ffi.js';

export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;

function libc(funcName: string, paramsType: unknown[], paramsValue: unknown[]): { value: number; errno: number } {
  const b = openLibrary('libc', 'libc.so.6');
  const r = b.load({ library: 'libc', funcName, retType: b.DataType['I64'], paramsType, paramsValue, errno: true, freeResultMemory: false }) as { value: number; errnoCode: number };
  return { value: r.value, errno: r.errnoCode };
}

function sysError(call: string, path: string, errno: number): NodeJS.ErrnoException {
  const e = new Error(`${call} ${path}: errno ${errno}`) as NodeJS.ErrnoException;
  e.errno = errno;
  return e;
}

export function mknod(path: string, mode: number, dev = 0): void {
  const b = openLibrary('libc', 'libc.so.6');
  const r = libc('mknod', [b.DataType['String'], b.DataType['U32'], b.DataType['U64']], [path, mode, dev]);
  if (r.value !== 0) throw sysError('mknod', path, r.errno);
}

export function lsetxattr(path: string, name: string, value: Buffer): void {
  const b = openLibrary('libc', 'libc.so.6');
  const r = libc('lsetxattr', [b.DataType['String'], b.DataType['String'], bytesParam(value), b.DataType['I64'], b.DataType['I32']], [path, name, value, value.length, 0]);
  if (r.value !== 0) throw sysError('lsetxattr', path, r.errno);
}

/** The value of an extended attribute, or undefined when it is not set. */
export function lgetxattr(path: string, name: string): Buffer | undefined {
  const b = openLibrary('libc', 'libc.so.6');
  const size = libc('lgetxattr', [b.DataType['String'], b.DataType['String'], b.DataType['I64'], b.DataType['I64']], [path, name, 0, 0]);
  if (size.value < 0) return undefined;
  const buf = Buffer.alloc(size.value);
  if (size.value === 0) return buf;
  const r = libc('lgetxattr', [b.DataType['String'], b.DataType['String'], bytesParam(buf), b.DataType['I64']], [path, name, buf, buf.length]);
  return r.value < 0 ? undefined : buf.subarray(0, r.value);
}
