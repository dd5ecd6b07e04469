import type { Command } from '@commander-js/extra-typings';
import type { FlagsOf } from './define.js';

/** Docker's default, also `start -a`'s. */
export const DETACH_KEYS = 'ctrl-p,ctrl-q';

export function defineAttach(cmd: Command) {
  return cmd
    .description('attach to a running container: its output, and your input if it was started with -i')
    .argument('<container>', 'container name or id')
    .option('--no-stdin', 'do not attach stdin')
    .option('--no-sig-proxy', 'do not forward SIGINT/SIGTERM to the container')
    .option('--detach-keys <keys>', 'keys that detach and leave the container running', DETACH_KEYS);
}

export type AttachFlags = FlagsOf<typeof defineAttach>;
