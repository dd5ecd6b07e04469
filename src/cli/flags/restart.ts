import type { Command } from '@commander-js/extra-typings';
import type { FlagsOf } from './define.js';

export function defineRestart(cmd: Command) {
  return cmd
    .description('stop, then start containers again')
    .argument('<containers...>', 'container names or ids')
    .option('-t, --time <seconds>', 'seconds to wait before SIGKILL (default: the container\'s, else 10)')
    .option('-s, --signal <signal>', 'signal to send instead of the image\'s StopSignal');
}

export type RestartFlags = FlagsOf<typeof defineRestart>;
