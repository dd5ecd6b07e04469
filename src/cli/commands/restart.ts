import type { Command } from 'commander';
import type { StopFlags } from './stop.js';

export function defineRestart(cmd: Command): Command {
  return cmd
    .description('stop, then start containers again')
    .argument('<containers...>', 'container names or ids')
    .option('-t, --time <seconds>', 'seconds to wait before SIGKILL (default: the container\'s, else 10)')
    .option('-s, --signal <signal>', 'signal to send instead of the image\'s StopSignal')
    .action(async (containers: string[], flags: StopFlags) => {
      const { restart } = await import('../actions/restart.js');
      process.exitCode = await restart(containers, flags);
    });
}

export function registerRestart(program: Command): void {
  defineRestart(program.command('restart'));
}
