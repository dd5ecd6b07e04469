import type { Command } from '@commander-js/extra-typings';
import { collect, type FlagsOf } from './define.js';

/** `nook ps` and `nook container ls`. */
export function definePs(cmd: Command) {
  return cmd
    .description('list containers')
    .option('-a, --all', 'show all containers (default: only running ones)')
    .option('-q, --quiet', 'only show container ids')
    .option('-l, --latest', 'show the latest created container (any state)')
    .option('-n, --last <n>', 'show the n last created containers (any state)')
    .option('--no-trunc', 'do not truncate output')
    .option('-f, --filter <key=value>', 'filter: name=, id=, status=, label=, ancestor=, exited=', collect)
    .option('--format <template>', 'Go template: {{.ID}}, {{.Names}}, {{json .}}, table ...')
    .option('-s, --size', 'show sizes (not measured: always 0B)');
}

export type PsFlags = FlagsOf<typeof definePs>;
