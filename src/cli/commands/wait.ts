import type { Command } from 'commander';

export function defineWait(cmd: Command): Command {
  return cmd
    .description('wait until containers stop, then print their exit codes')
    .argument('<containers...>', 'container names or ids')
    .action(async (containers: string[]) => {
      const { wait } = await import('../actions/wait.js');
      process.exitCode = await wait(containers);
    });
}

export function registerWait(program: Command): void {
  defineWait(program.command('wait'));
}
