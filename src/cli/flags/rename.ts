import type { Command } from '@commander-js/extra-typings';

export function defineRename(cmd: Command) {
  return cmd
    .description('rename a container')
    .argument('<container>', 'container name or id')
    .argument('<new-name>', 'the new name');
}
