import type { Command } from '@commander-js/extra-typings';
import type { FlagsOf } from './define.js';

export function defineLogs(cmd: Command) {
  return cmd
    .description('show a container\'s output (stdout to stdout, stderr to stderr)')
    .argument('<container>', 'container name or id')
    .option('-f, --follow', 'follow the output until the container ends')
    .option('-n, --tail <n>', 'number of lines from the end ("all")', 'all')
    .option('--since <time>', 'only after this time (RFC 3339, Unix time, or a duration like 10m)')
    .option('--until <time>', 'only before this time (RFC 3339, Unix time, or a duration like 10m)')
    .option('-t, --timestamps', 'prefix each line with its time');
}

export type LogsFlags = FlagsOf<typeof defineLogs>;
