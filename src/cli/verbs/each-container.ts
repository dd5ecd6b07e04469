// Verbs that take several containers act on each in turn, as Docker does: a failure is
// reported on its own line and the others still run; the exit code says something failed.
import { EXIT, formatError } from '../../errors.js';

export async function forEachRef(refs: string[], act: (ref: string) => Promise<void>): Promise<number> {
  let code = 0;
  for (const ref of refs) {
    try {
      await act(ref);
    } catch (err) {
      const { text, exitCode } = formatError(err);
      process.stderr.write(text + '\n');
      code = exitCode || EXIT.nook;
    }
  }
  return code;
}
