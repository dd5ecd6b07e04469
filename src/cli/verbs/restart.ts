// `nook restart`: stop (stop signal, SIGKILL after the timeout), then start.
import { resolveContainer } from '../../containers/state.js';
import type { RestartFlags } from '../flags/restart.js';
import { forEachRef } from './each-container.js';
import { startOne } from './start.js';
import { stopOne, parseTimeout } from './stop.js';
import { parseSignal } from '../../containers/signals.js';

export async function restart(refs: string[], flags: RestartFlags): Promise<number> {
  parseTimeout(flags.time);
  if (flags.signal !== undefined) parseSignal(flags.signal);
  return forEachRef(refs, async (ref) => {
    await stopOne(ref, flags);
    await startOne(resolveContainer(ref).id);
    process.stdout.write(ref + '\n');
  });
}
