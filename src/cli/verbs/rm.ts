// `nook rm`: removes ended containers; -f kills running ones first; -v takes their anonymous
// volumes along.
import { forceEndLocked } from '../../containers/control.js';
import { containerLockPath } from '../../containers/layout.js';
import { removeContainerFiles } from '../../containers/remove.js';
import { loadContainer, noSuchContainer, resolveContainer } from '../../containers/state.js';
import { withLock } from '../../storage/lock.js';
import { removeVolume } from '../../containers/volumes.js';
import { NookError } from '../../errors.js';
import type { RmFlags } from '../flags/rm.js';
import { forEachRef } from './each-container.js';

export async function removeOne(ref: string, flags: RmFlags): Promise<void> {
  const id = resolveContainer(ref).id;
  const mounts = await withLock(containerLockPath(id), async () => {
    const c = loadContainer(id);
    if (!c) throw noSuchContainer(ref);
    if (c.state.running && !flags.force) {
      const verb = c.state.paused ? 'paused' : c.state.restarting ? 'restarting' : 'running';
      throw new NookError(`cannot remove container "/${c.config.name}": container is ${verb}: stop the container before removing or force remove`);
    }
    // also when it reads as ended: a supervisor between restarts must not bring it back
    await forceEndLocked(id);
    await removeContainerFiles(id, c.config.name);
    return c.config.mounts ?? [];
  });
  if (flags.volumes) {
    for (const m of mounts) {
      if (m.type === 'volume' && m.anonymous && m.name) await removeVolume(m.name, { force: false, quietIfMissing: true });
    }
  }
}

export async function rm(refs: string[], flags: RmFlags): Promise<number> {
  return forEachRef(refs, async (ref) => {
    await removeOne(ref, flags);
    process.stdout.write(ref + '\n');
  });
}
