import type { Command } from 'commander';

export interface AttachFlags {
  stdin?: boolean;
  sigProxy?: boolean;
  detachKeys?: string;
}

export function defineAttach(cmd: Command): Command {
  return cmd
    .description('attach to a running container: its output, and your input if it was started with -i')
    .argument('<container>', 'container name or id')
    .option('--no-stdin', 'do not attach stdin')
    .option('--no-sig-proxy', 'do not forward SIGINT/SIGTERM to the container')
    .option('--detach-keys <keys>', 'keys that detach and leave the container running', 'ctrl-p,ctrl-q')
    .action(async (container: string, flags: AttachFlags) => {
      const { attach } = await import('../actions/attach.js');
      process.exitCode = await attach(container, flags);
    });
}

export function registerAttach(program: Command): void {
  defineAttach(program.command('attach'));
}
