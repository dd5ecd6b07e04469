import type { Command } from 'commander';

export function defineTop(cmd: Command): Command {
  return cmd
    .description('show a container\'s processes (the host\'s ps; default options -ef)')
    .argument('<container>', 'container name or id')
    .argument('[ps-options...]', 'options for ps')
    .allowUnknownOption()
    .helpOption('--help')
    .passThroughOptions()
    .action(async (container: string, psOptions: string[]) => {
      const { top } = await import('../actions/top.js');
      process.exitCode = await top(container, psOptions);
    });
}

export function registerTop(program: Command): void {
  defineTop(program.command('top'));
}
