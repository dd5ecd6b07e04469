// `nook pause` / `nook unpause`: SIGSTOP/SIGCONT to every process of the container.
import { setPaused } from '../../containers/control.js';
import { resolveContainer } from '../../containers/state.js';
import { forEachRef } from './each-container.js';

export async function pause(refs: string[]): Promise<number> {
  return setAll(refs, true);
}

export async function unpause(refs: string[]): Promise<number> {
  return setAll(refs, false);
}

async function setAll(refs: string[], paused: boolean): Promise<number> {
  return forEachRef(refs, async (ref) => {
    await setPaused(resolveContainer(ref).id, ref, paused);
    process.stdout.write(ref + '\n');
  });
}
