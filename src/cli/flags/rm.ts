import type { Command } from '@commander-js/extra-typings';
import type { FlagsOf } from './define.js';

export function defineRm(cmd: Command) {
  return cmd
    .description('remove containers')
    .argument('<containers...>', 'container names or ids')
    .option('-f, --force', 'kill a running container first (SIGKILL)')
    .option('-v, --volumes', 'also remove the container\'s anonymous volumes');
}

export type RmFlags = FlagsOf<typeof defineRm>;
