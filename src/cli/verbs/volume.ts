// `nook volume create|ls|inspect|rm|prune`.
import { ANONYMOUS_LABEL, createVolume, listVolumes, loadVolume, removeVolume, type Volume } from '../../containers/volumes.js';
import { listContainers } from '../../containers/state.js';
import { parseFormat, renderListing } from '../../format/render.js';
import { goMap } from '../../format/template.js';
import { NookError } from '../../errors.js';
import { terminalJson } from '../../util/terminal-text.js';
import { humanSize } from '../../util/units.js';
import { treeSize } from '../../containers/disk-usage.js';
import type { VolumeCreateFlags, VolumeInspectFlags, VolumeLsFlags, VolumePruneFlags, VolumeRmFlags } from '../flags/volume.js';
import { forEachRef } from './each-container.js';
import { confirm } from './confirm.js';
import { filterKeyValue, keyValueRecord, splitKeyValue } from '../../util/key-value.js';

export async function volumeCreate(name: string | undefined, flags: VolumeCreateFlags): Promise<number> {
  if (flags.driver !== 'local') throw new NookError(`volume driver "${flags.driver}" is not available`, { hint: 'only "local"' });
  const { volume } = await createVolume(name, { labels: keyValueRecord(flags.label ?? [], 'label'), options: keyValueRecord(flags.opt ?? [], 'option') });
  process.stdout.write(volume.Name + '\n');
  return 0;
}

type Match = (v: Volume, used: Set<string>) => boolean;

function volumeFilters(specs: string[], allowed: string[]): Match[] {
  return specs.map((f): Match => {
    const [key, value] = filterKeyValue(f);
    if (!allowed.includes(key)) throw new NookError(`invalid filter '${key}'`, { hint: `supported: ${allowed.join(', ')}` });
    if (key === 'dangling') {
      if (!['true', 'false', '1', '0'].includes(value)) throw new NookError(`invalid filter 'dangling=${value}'`, { hint: 'true or false' });
      return (v, used) => !used.has(v.Name) === (value === 'true' || value === '1');
    }
    if (key === 'name') return (v) => v.Name.includes(value);
    if (key === 'driver') return (v) => v.Driver === value;
    const [k, val] = splitKeyValue(value);
    return (v) => k in v.Labels && (val === undefined || v.Labels[k] === val);
  });
}

function usedVolumes(): Set<string> {
  return new Set(listContainers().flatMap((c) => (c.config.mounts ?? []).filter((m) => m.type === 'volume' && m.name).map((m) => m.name!)));
}

export async function volumeLs(flags: VolumeLsFlags): Promise<number> {
  const filters = volumeFilters(flags.filter ?? [], ['dangling', 'label', 'name', 'driver']);
  const used = usedVolumes();
  const list = listVolumes().filter((v) => filters.every((m) => m(v, used)));
  if (flags.quiet) {
    process.stdout.write(list.map((v) => v.Name + '\n').join(''));
    return 0;
  }
  const rows = list.map((v) => {
    const row: Record<string, unknown> = { ...v, Labels: Object.entries(v.Labels).map(([k, x]) => `${k}=${x}`).join(','), Links: 'N/A', Size: 'N/A', Availability: 'N/A', Group: 'N/A', Status: 'N/A' };
    Object.defineProperty(row, 'Label', { value: (k: string) => v.Labels[k] ?? '', enumerable: false });
    return row;
  });
  const headers = { Name: 'VOLUME NAME', Driver: 'DRIVER', Scope: 'SCOPE', Mountpoint: 'MOUNTPOINT', Labels: 'LABELS', CreatedAt: 'CREATED', Links: 'LINKS', Size: 'SIZE' };
  process.stdout.write(renderListing(flags.format ?? 'table {{.Driver}}\t{{.Name}}', rows, headers));
  return 0;
}

export async function volumeInspect(names: string[], flags: VolumeInspectFlags): Promise<number> {
  const f = flags.format !== undefined ? parseFormat(flags.format) : undefined;
  const found: Volume[] = [];
  const errors: string[] = [];
  for (const n of names) {
    const v = loadVolume(n);
    if (v) found.push(v);
    else errors.push(`nook: get ${n}: no such volume`);
  }
  // Labels and Options are Go maps to a template: a missing key prints <no value>
  const view = (v: Volume) => ({ ...v, Labels: goMap({ ...v.Labels }), Options: goMap({ ...v.Options }) });
  process.stdout.write(f ? found.map((v) => f.render(view(v)) + '\n').join('') : terminalJson(found, 4) + '\n');
  for (const e of errors) process.stderr.write(e + '\n');
  return errors.length > 0 ? 125 : 0;
}

export async function volumeRm(names: string[], flags: VolumeRmFlags): Promise<number> {
  return forEachRef(names, async (n) => {
    if (await removeVolume(n, { force: flags.force ?? false })) process.stdout.write(n + '\n');
  });
}

export async function volumePrune(flags: VolumePruneFlags): Promise<number> {
  const filters = volumeFilters(flags.filter ?? [], ['label']);
  const warning = flags.all ? 'WARNING! This will remove all local volumes not used by at least one container.' : 'WARNING! This will remove anonymous local volumes not used by at least one container.';
  if (!flags.force && !(await confirm(warning))) return 0;
  const used = usedVolumes();
  const doomed = listVolumes().filter((v) => !used.has(v.Name) && (flags.all || ANONYMOUS_LABEL in v.Labels) && filters.every((m) => m(v, used)));
  const removed: string[] = [];
  let bytes = 0;
  for (const v of doomed) {
    const size = treeSize(v.Mountpoint);
    try {
      // checked again under the volumes lock: a container may have taken it meanwhile
      if (await removeVolume(v.Name, { force: false, quietIfMissing: true })) {
        removed.push(v.Name);
        bytes += size;
      }
    } catch (err) {
      if (!(err instanceof NookError)) throw err;
    }
  }
  if (removed.length > 0) process.stdout.write(`Deleted Volumes:\n${removed.map((n) => n + '\n').join('')}\n`);
  process.stdout.write(`Total reclaimed space: ${humanSize(bytes)}\n`);
  return 0;
}
