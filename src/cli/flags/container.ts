// `nook container VERB` is Docker's management form of the container verbs: the same
// declarations as the top-level verbs, plus prune, which only it has.
import type { Command } from '@commander-js/extra-typings';
import { collect, type FlagsOf } from './define.js';

export function defineContainerPrune(cmd: Command) {
  return cmd
    .description('remove all stopped containers')
    .option('-f, --force', 'do not prompt for confirmation')
    .option('--filter <key=value>', 'filter: label=KEY[=VALUE], until=TIME', collect);
}

export type ContainerPruneFlags = FlagsOf<typeof defineContainerPrune>;
