import type { Command } from 'commander';

export interface StatsFlags {
  all?: boolean;
  stream?: boolean;
  trunc?: boolean;
  format?: string;
}

export function defineStats(cmd: Command): Command {
  return cmd
    .description('CPU, memory, I/O and pids of containers, measured from /proc (no cgroup limits here)')
    .argument('[containers...]', 'container names or ids (default: all running)')
    .option('-a, --all', 'show all containers (default: only running ones)')
    .option('--no-stream', 'print one sample and exit')
    .option('--no-trunc', 'do not truncate output')
    .option('--format <template>', 'Go template: {{.Name}}, {{.CPUPerc}}, {{.MemUsage}}, table ...')
    .action(async (containers: string[], flags: StatsFlags) => {
      const { stats } = await import('../actions/stats.js');
      process.exitCode = await stats(containers, flags);
    });
}

export function registerStats(program: Command): void {
  defineStats(program.command('stats'));
}
