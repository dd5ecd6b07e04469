import type { Command } from '@commander-js/extra-typings';
import type { FlagsOf } from './define.js';

export function defineInspect(cmd: Command) {
  return cmd
    .description('show containers as Docker-shaped JSON')
    .argument('<containers...>', 'container names or ids')
    .option('-f, --format <template>', 'Go template, e.g. {{.State.Running}} or {{json .Config}}')
    .option('-s, --size', 'add sizes (not measured: 0)')
    .option('--type <type>', 'only "container" is known to this verb');
}

export type InspectFlags = FlagsOf<typeof defineInspect>;
