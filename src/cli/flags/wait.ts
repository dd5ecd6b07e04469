import type { Command } from '@commander-js/extra-typings';

export function defineWait(cmd: Command) {
  return cmd
    .description('wait until containers stop, then print their exit codes')
    .argument('<containers...>', 'container names or ids');
}
