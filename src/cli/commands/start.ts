import type { Command } from 'commander';

export interface StartFlags {
  attach?: boolean;
  interactive?: boolean;
}

export function defineStart(cmd: Command): Command {
  return cmd
    .description('start created or stopped containers')
    .argument('<containers...>', 'container names or ids')
    .option('-a, --attach', 'show the output until the container ends, and exit with its code')
    .option('-i, --interactive', 'attach stdin (the container must have been created with -i)')
    .action(async (containers: string[], flags: StartFlags) => {
      const { start } = await import('../actions/start.js');
      process.exitCode = await start(containers, flags);
    });
}

export function registerStart(program: Command): void {
  defineStart(program.command('start'));
}
