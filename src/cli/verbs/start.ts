// `nook start`: launches created or stopped containers again from their recorded plan;
// -a then shows their output until they end and exits with their code.
import { rmSync } from 'node:fs';
import { withLock } from '../../storage/lock.js';
import { NookError } from '../../errors.js';
import { containerFiles, containerLockPath } from '../../containers/layout.js';
import { readLogSnapshot } from '../../containers/logs.js';
import { startContainer } from '../../containers/start.js';
import { loadContainer, noSuchContainer, resolveContainer } from '../../containers/state.js';
import { pollUntil } from '../../containers/control.js';
import type { StartFlags } from '../flags/start.js';
import { DETACH_KEYS } from '../flags/attach.js';
import { forEachRef } from './each-container.js';
import { attachFrom } from './attach.js';

/** Starts one container unless it runs already. */
export async function startOne(id: string): Promise<void> {
  await withLock(containerLockPath(id), async () => {
    const c = loadContainer(id);
    if (!c) throw noSuchContainer(id);
    if (c.state.running) return;
    rmSync(containerFiles(id).pausedMarker, { force: true });
    const before = c.record?.startedAt;
    await startContainer(c.config);
    // `started` arrives just before the supervisor records it: wait, so the next verb sees it
    await pollUntil(() => {
      const now = loadContainer(id)?.record?.startedAt;
      return now !== undefined && now !== '' && now !== before;
    }, 5_000, 20);
  });
}

export async function start(refs: string[], flags: StartFlags): Promise<number> {
  if (flags.attach || flags.interactive) {
    if (refs.length > 1) throw new NookError('you cannot start and attach multiple containers at once');
    const c = resolveContainer(refs[0]!);
    const from = readLogSnapshot(containerFiles(c.id).log);
    await startOne(c.id);
    return attachFrom(c.id, from, { stdin: flags.interactive ?? false, sigProxy: true, detachKeys: DETACH_KEYS });
  }
  return forEachRef(refs, async (ref) => {
    await startOne(resolveContainer(ref).id);
    process.stdout.write(ref + '\n');
  });
}
