import type { Command } from '@commander-js/extra-typings';
import type { FlagsOf } from './define.js';

export function defineStats(cmd: Command) {
  return cmd
    .description('CPU, memory, I/O and pids of containers, measured from /proc (no cgroup limits here)')
    .argument('[containers...]', 'container names or ids (default: all running)')
    .option('-a, --all', 'show all containers (default: only running ones)')
    .option('--no-stream', 'print one sample and exit')
    .option('--no-trunc', 'do not truncate output')
    .option('--format <template>', 'Go template: {{.Name}}, {{.CPUPerc}}, {{.MemUsage}}, table ...');
}

export type StatsFlags = FlagsOf<typeof defineStats>;
