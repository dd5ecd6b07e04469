import type { Command } from 'commander';

export function tagOptions(cmd: Command): Command {
  return cmd
    .argument('<source>', 'existing image (name or id)')
    .argument('<target>', 'new name[:tag]')
    .action(async (source: string, target: string) => {
      const { tag } = await import('../actions/tag.js');
      process.exitCode = await tag(source, target);
    });
}

export function registerTag(program: Command): void {
  tagOptions(program.command('tag').description('give an image another name'));
}
