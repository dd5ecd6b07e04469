// Random bytes from /dev/urandom: loading node:crypto costs every `nook run` ~7 ms, and ids
// and temp names need nothing more than the kernel's generator.
import { closeSync, openSync, readSync } from 'node:fs';

export function randomBytes(n: number): Buffer {
  const buf = Buffer.alloc(n);
  const fd = openSync('/dev/urandom', 'r');
  try {
    let off = 0;
    while (off < n) off += readSync(fd, buf, off, n - off, null);
  } finally {
    closeSync(fd);
  }
  return buf;
}
