import type { Command } from '@commander-js/extra-typings';
import type { FlagsOf } from './define.js';

export function defineStop(cmd: Command) {
  return cmd
    .description('stop running containers: the stop signal, then SIGKILL after the timeout')
    .argument('<containers...>', 'container names or ids')
    .option('-t, --time <seconds>', 'seconds to wait before SIGKILL (default: the container\'s, else 10; -1: forever)')
    .option('-s, --signal <signal>', 'signal to send instead of the image\'s StopSignal');
}

export type StopFlags = FlagsOf<typeof defineStop>;
