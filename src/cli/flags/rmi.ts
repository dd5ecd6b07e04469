import type { Command } from '@commander-js/extra-typings';
import type { FlagsOf } from './define.js';

/** `nook rmi` and `nook image rm`. */
export function defineRmi(cmd: Command) {
  return cmd
    .description('remove images')
    .argument('<image...>', 'images to remove (name, name:tag, id or id prefix)')
    .option('-f, --force', 'remove an image even when several names point at it');
}

export type RmiFlags = FlagsOf<typeof defineRmi>;
