// Output on fd 1 through write(2): the first use of process.stdout builds a stream, which
// loads node:stream (and for a pipe node:net), 3-4 ms of `nook ps` and `nook --version`.
import { writeSync } from 'node:fs';

/** Writes `text` to stdout; a non-blocking stdout that fills up gets the rest through process.stdout. */
export function writeStdout(text: string): void {
  const buf = Buffer.from(text);
  let off = 0;
  try {
    while (off < buf.length) off += writeSync(1, buf, off);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // EPIPE: nobody reads any more, as process.stdout's default handling ends it
    if (code === 'EPIPE') return;
    if (code !== 'EAGAIN') throw err;
    process.stdout.write(buf.subarray(off));
  }
}
