// `nook wait`: blocks until each container is no longer running (a restarting one still
// counts as running, as in Docker), then prints its exit code.
import { pollUntil } from '../../containers/control.js';
import { loadContainer, noSuchContainer, resolveContainer, type Container } from '../../containers/state.js';
import { forEachRef } from './each-container.js';
import { NookError } from '../../errors.js';

export async function waitForExit(id: string): Promise<number> {
  let last: Container | undefined;
  await pollUntil(() => {
    const c = loadContainer(id);
    if (c) last = c;
    return !c || !c.state.running;
  }, -1, 100);
  if (!last) throw noSuchContainer(id);
  const now = loadContainer(id);
  if (now) return now.state.exitCode;
  // a --rm container removes its records as it ends: only an ended record has the code
  if (last.state.status === 'exited') return last.state.exitCode;
  throw new NookError(`container ${id} was removed (--rm) before its exit code could be read`);
}

export async function wait(refs: string[]): Promise<number> {
  return forEachRef(refs, async (ref) => {
    process.stdout.write(`${await waitForExit(resolveContainer(ref).id)}\n`);
  });
}
