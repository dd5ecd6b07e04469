// `nook kill`: one signal (default KILL) to each running container's init.
import { killContainer } from '../../containers/control.js';
import { parseSignal } from '../../containers/signals.js';
import { resolveContainer } from '../../containers/state.js';
import type { KillFlags } from '../flags/kill.js';
import { forEachRef } from './each-container.js';

export async function kill(refs: string[], flags: KillFlags): Promise<number> {
  const signal = parseSignal(flags.signal);
  return forEachRef(refs, async (ref) => {
    await killContainer(resolveContainer(ref).id, ref, signal);
    process.stdout.write(ref + '\n');
  });
}
