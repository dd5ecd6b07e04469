import type { Command } from '@commander-js/extra-typings';
import type { FlagsOf } from './define.js';

export function defineKill(cmd: Command) {
  return cmd
    .description('send a signal to running containers\' init process')
    .argument('<containers...>', 'container names or ids')
    .option('-s, --signal <signal>', 'signal name or number', 'KILL');
}

export type KillFlags = FlagsOf<typeof defineKill>;
