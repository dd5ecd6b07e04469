// Reads the size of an extended attribute through libc: Node has no xattr API, and getfattr
// (the attr package) is seldom installed.
import { bytesParam, openLibrary } from '../native/ffi.js';

/** The byte length of attribute `name` on `path`, or null when it is absent or unreadable. */
export function xattrSize(path: string, name: string): number | null {
  const libc = openLibrary('libc', 'libc.so.6');
  const probe = Buffer.alloc(1); // size 0 asks for the length only; the buffer is never written
  const r = libc.load({
    library: 'libc',
    funcName: 'getxattr',
    retType: libc.DataType['I64'],
    paramsType: [libc.DataType['String'], libc.DataType['String'], bytesParam(probe), libc.DataType['U64']],
    paramsValue: [path, name, probe, 0],
    errno: true,
    freeResultMemory: false,
  }) as { value: number };
  return r.value > 0 ? r.value : null;
}
