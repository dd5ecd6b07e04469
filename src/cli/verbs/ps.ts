// `nook ps`: Docker's listing: running containers by default, newest first.
import { listContainers } from '../../containers/state.js';
import { filtersNeedAll, matchesFilters, parseFilters } from '../../containers/filters.js';
import { PS_DEFAULT_FORMAT, PS_HEADERS, psRow } from '../../format/container-views.js';
import { renderListing } from '../../format/render.js';
import { NookError } from '../../errors.js';
import type { PsFlags } from '../flags/ps.js';
import { writeStdout } from '../../util/stdout.js';

export async function ps(flags: PsFlags): Promise<number> {
  const filters = parseFilters(flags.filter ?? []);
  let last = flags.latest ? 1 : -1;
  if (flags.last !== undefined) {
    if (!/^-?\d+$/.test(flags.last)) throw new NookError(`invalid argument "${flags.last}" for "-n, --last" flag`, { hint: 'give a number' });
    last = Number(flags.last);
  }
  const all = flags.all || last > 0 || filtersNeedAll(filters);
  let list = listContainers().filter((c) => (all || c.state.running) && matchesFilters(c, filters));
  if (last > 0) list = list.slice(0, last);
  const trunc = flags.trunc;
  if (flags.quiet) {
    writeStdout(list.map((c) => (trunc ? c.id.slice(0, 12) : c.id) + '\n').join(''));
    return 0;
  }
  const rows = list.map((c) => psRow(c, { trunc }));
  writeStdout(renderListing(flags.format ?? PS_DEFAULT_FORMAT, rows, PS_HEADERS));
  return 0;
}
