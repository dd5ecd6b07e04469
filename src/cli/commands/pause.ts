import type { Command } from 'commander';

export function definePause(cmd: Command): Command {
  return cmd
    .description('suspend every process of containers (SIGSTOP: no delegated cgroup freezer here)')
    .argument('<containers...>', 'container names or ids')
    .action(async (containers: string[]) => {
      const { pause } = await import('../actions/pause.js');
      process.exitCode = await pause(containers, true);
    });
}

export function registerPause(program: Command): void {
  definePause(program.command('pause'));
}
