import type { Command } from 'commander';

export interface RmFlags {
  force?: boolean;
  volumes?: boolean;
}

export function defineRm(cmd: Command): Command {
  return cmd
    .description('remove containers')
    .argument('<containers...>', 'container names or ids')
    .option('-f, --force', 'kill a running container first (SIGKILL)')
    .option('-v, --volumes', 'also remove the container\'s anonymous volumes')
    .action(async (containers: string[], flags: RmFlags) => {
      const { rm } = await import('../actions/rm.js');
      process.exitCode = await rm(containers, flags);
    });
}

export function registerRm(program: Command): void {
  defineRm(program.command('rm'));
}
