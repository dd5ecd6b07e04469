import type { Command } from '@commander-js/extra-typings';
import { collect, type FlagsOf } from './define.js';

export function defineExec(cmd: Command) {
  return cmd
    .description('run a command in a running container')
    .argument('<container>', 'container name or id')
    .argument('[command...]', 'command and arguments')
    .passThroughOptions()
    .option('-i, --interactive', 'keep stdin open')
    .option('-t, --tty', 'allocate a pseudo-terminal')
    .option('-d, --detach', 'run the command in the background')
    .option('-e, --env <KEY=VALUE>', 'set an environment variable', collect)
    .option('-u, --user <user[:group]>', 'user name or uid, optionally with group')
    .option('-w, --workdir <dir>', 'working directory inside the container');
}

export type ExecFlags = FlagsOf<typeof defineExec>;
