// `nook container prune`: removes every container that is not running.
import { removeContainerFiles } from '../../containers/remove.js';
import { containerIds, listContainers, loadContainer } from '../../containers/state.js';
import { containerDir, containerLockPath } from '../../containers/layout.js';
import { isAbandonedCreate, removeAbandoned } from '../../containers/abandoned.js';
import { withLock } from '../../storage/lock.js';
import { parseTimeArg } from '../../containers/logs.js';
import { NookError } from '../../errors.js';
import { humanSize } from '../../util/units.js';
import { treeSize } from '../../containers/disk-usage.js';
import { confirm } from './confirm.js';
import { filterKeyValue, splitKeyValue } from '../../util/key-value.js';
import type { ContainerPruneFlags } from '../flags/container.js';

export async function containerPrune(flags: ContainerPruneFlags): Promise<number> {
  const labels: Array<[string, string | undefined]> = [];
  let untilMs: number | undefined;
  for (const f of flags.filter ?? []) {
    const [key, value] = filterKeyValue(f);
    if (key === 'label') labels.push(splitKeyValue(value));
    else if (key === 'until') untilMs = parseTimeArg(value, '--filter until');
    else throw new NookError(`invalid filter '${f}'`, { hint: 'supported: label=KEY[=VALUE], until=TIME' });
  }
  if (!flags.force && !(await confirm('WARNING! This will remove all stopped containers.'))) return 0;
  const doomed = listContainers().filter((c) => !c.state.running
    && labels.every(([k, v]) => k in (c.config.labels ?? {}) && (v === undefined || c.config.labels![k] === v))
    && (untilMs === undefined || Date.parse(c.config.created) < untilMs));
  const removed: string[] = [];
  let bytes = 0;
  for (const c of doomed) {
    await withLock(containerLockPath(c.id), async () => {
      // another shell may have started it since the listing
      if (loadContainer(c.id)?.state.running !== false) return;
      const size = treeSize(c.dir);
      await removeContainerFiles(c.id, c.config.name);
      removed.push(c.id);
      bytes += size;
    });
  }
  // what killed runs left without a record (no labels, no date: only when nothing filters)
  for (const id of labels.length === 0 && untilMs === undefined ? containerIds() : []) {
    if (!isAbandonedCreate(id)) continue;
    bytes += treeSize(containerDir(id));
    await removeAbandoned(id);
    removed.push(id);
  }
  if (removed.length > 0) process.stdout.write(`Deleted Containers:\n${removed.map((id) => id + '\n').join('')}\n`);
  process.stdout.write(`Total reclaimed space: ${humanSize(bytes)}\n`);
  return 0;
}
