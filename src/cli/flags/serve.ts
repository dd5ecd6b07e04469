import type { Command } from '@commander-js/extra-typings';
import type { FlagsOf } from './define.js';

export function defineServe(cmd: Command) {
  return cmd
    .description('run boxes for a grader: JSON-lines requests in, result records out (docs/serve.md)')
    .option('--stdio', 'speak the protocol on stdin and stdout')
    .option('--socket [path]', 'listen on a unix socket of this user only (default: serve.sock in nook\'s runtime dir)')
    .option('--concurrency <n>', 'boxes run at once (default: the number of CPUs)');
}

export type ServeFlags = FlagsOf<typeof defineServe>;
