// `nook stop`: each container's stop signal, then SIGKILL after the timeout; prints the names.
import { stopContainer } from '../../containers/control.js';
import { parseSignal } from '../../containers/signals.js';
import { resolveContainer } from '../../containers/state.js';
import { NookError } from '../../errors.js';
import type { StopFlags } from '../flags/stop.js';
import { forEachRef } from './each-container.js';

export function parseTimeout(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text)) throw new NookError(`invalid argument "${text}" for "-t, --time" flag`, { hint: 'whole seconds' });
  return Number(text);
}

export async function stopOne(ref: string, flags: StopFlags): Promise<void> {
  const timeout = parseTimeout(flags.time);
  const signal = flags.signal !== undefined ? parseSignal(flags.signal) : undefined;
  const c = resolveContainer(ref);
  await stopContainer(c.id, timeout ?? c.config.stopTimeout ?? 10, signal);
}

export async function stop(refs: string[], flags: StopFlags): Promise<number> {
  // bad flags fail once, before any container is touched
  parseTimeout(flags.time);
  if (flags.signal !== undefined) parseSignal(flags.signal);
  return forEachRef(refs, async (ref) => {
    await stopOne(ref, flags);
    process.stdout.write(ref + '\n');
  });
}
