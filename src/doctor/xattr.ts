// Reads the size of an extended attribute through libc: Node has no xattr API, and getfattr
// (the attr package) is seldom installed.
import { bytesParam, libcCall, types } from '../native/ffi.js';

/** The byte length of attribute `name` on `path`, or null when it is absent or unreadable. */
export function xattrSize(path: string, name: string): number | null {
  const T = types();
  const probe = Buffer.alloc(1); // size 0 asks for the length only; the buffer is never written
  const r = libcCall('getxattr', T['I64']!, [T['String'], T['String'], bytesParam(probe), T['U64']], [path, name, probe, 0]);
  return r.value > 0 ? r.value : null;
}
