// `nook rename`: takes the new name first (atomic, exclusive), then records it, then frees
// the old one; so a name is never held by two containers, nor lost by a crash in between.
import { writeJsonAtomic } from '../../storage/atomic.js';
import { withLock } from '../../storage/lock.js';
import { NookError } from '../../errors.js';
import { containerFiles, containerLockPath } from '../../containers/layout.js';
import { reserveName, validateName } from '../../containers/names.js';
import { releaseName } from '../../containers/remove.js';
import { loadContainer, noSuchContainer, resolveContainerId } from '../../containers/state.js';

export async function rename(ref: string, newName: string): Promise<number> {
  const id = resolveContainerId(ref);
  const name = validateName(newName);
  let old = '';
  await withLock(containerLockPath(id), async () => {
    const c = loadContainer(id);
    if (!c) throw noSuchContainer(ref);
    old = c.config.name;
    if (old === name) throw new NookError('Renaming a container with the same name as its current name');
    await reserveName(name, id);
    writeJsonAtomic(containerFiles(id).config, { ...c.config, name });
  });
  await releaseName(old, id);
  return 0;
}
