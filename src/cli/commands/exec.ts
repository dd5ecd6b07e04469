import type { Command } from 'commander';
import { collect } from '../options.js';

export interface ExecFlags {
  interactive?: boolean;
  tty?: boolean;
  detach?: boolean;
  env?: string[];
  user?: string;
  workdir?: string;
}

export function registerExec(program: Command): void {
  program
    .command('exec')
    .description('run a command in a running container')
    .argument('<container>', 'container name or id')
    .argument('[command...]', 'command and arguments')
    .passThroughOptions()
    .option('-i, --interactive', 'keep stdin open')
    .option('-t, --tty', 'allocate a pseudo-terminal')
    .option('-d, --detach', 'run the command in the background')
    .option('-e, --env <KEY=VALUE>', 'set an environment variable', collect)
    .option('-u, --user <user[:group]>', 'user name or uid, optionally with group')
    .option('-w, --workdir <dir>', 'working directory inside the container')
    .action(async (container: string, command: string[], flags: ExecFlags) => {
      const { exec } = await import('../actions/exec.js');
      process.exitCode = await exec(container, command, flags);
    });
}
