import type { Command } from 'commander';

export interface AttachFlags {
  stdin?: boolean;
  sigProxy?: boolean;
  detachKeys?: string;
}

export function defineAttach(cmd: Command): Command {
  return cmd
    .description('show a running container\'s output until it ends (stdin is not attached yet)')
    .argument('<container>', 'container name or id')
    .option('--no-stdin', 'do not attach stdin (the only mode available)')
    .option('--no-sig-proxy', 'do not forward SIGINT/SIGTERM to the container')
    .option('--detach-keys <keys>', 'accepted for compatibility; Ctrl-C detaches when --sig-proxy is off')
    .action(async (container: string, flags: AttachFlags) => {
      const { attach } = await import('../actions/attach.js');
      process.exitCode = await attach(container, flags);
    });
}

export function registerAttach(program: Command): void {
  defineAttach(program.command('attach'));
}
