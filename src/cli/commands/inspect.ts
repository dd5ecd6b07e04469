import type { Command } from 'commander';

export interface InspectFlags {
  format?: string;
  size?: boolean;
  type?: string;
}

export function defineInspect(cmd: Command): Command {
  return cmd
    .description('show containers as Docker-shaped JSON')
    .argument('<containers...>', 'container names or ids')
    .option('-f, --format <template>', 'Go template, e.g. {{.State.Running}} or {{json .Config}}')
    .option('-s, --size', 'add sizes (not measured: 0)')
    .option('--type <type>', 'only "container" is known to this verb')
    .action(async (containers: string[], flags: InspectFlags) => {
      const { inspect } = await import('../actions/inspect.js');
      process.exitCode = await inspect(containers, flags);
    });
}

export function registerInspect(program: Command): void {
  defineInspect(program.command('inspect'));
}
