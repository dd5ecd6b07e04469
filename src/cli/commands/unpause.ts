import type { Command } from 'commander';

export function defineUnpause(cmd: Command): Command {
  return cmd
    .description('resume every process of paused containers (SIGCONT)')
    .argument('<containers...>', 'container names or ids')
    .action(async (containers: string[]) => {
      const { pause } = await import('../actions/pause.js');
      process.exitCode = await pause(containers, false);
    });
}

export function registerUnpause(program: Command): void {
  defineUnpause(program.command('unpause'));
}
