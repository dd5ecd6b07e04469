import type { Command } from '@commander-js/extra-typings';
import type { FlagsOf } from './define.js';

export function defineStart(cmd: Command) {
  return cmd
    .description('start created or stopped containers')
    .argument('<containers...>', 'container names or ids')
    .option('-a, --attach', 'show the output until the container ends, and exit with its code')
    .option('-i, --interactive', 'attach stdin (the container must have been created with -i)');
}

export type StartFlags = FlagsOf<typeof defineStart>;
