import type { Command } from 'commander';

export function defineRename(cmd: Command): Command {
  return cmd
    .description('rename a container')
    .argument('<container>', 'container name or id')
    .argument('<new-name>', 'the new name')
    .action(async (container: string, newName: string) => {
      const { rename } = await import('../actions/rename.js');
      process.exitCode = await rename(container, newName);
    });
}

export function registerRename(program: Command): void {
  defineRename(program.command('rename'));
}
