import type { Command } from 'commander';

export interface StopFlags {
  time?: string;
  signal?: string;
}

export function defineStop(cmd: Command): Command {
  return cmd
    .description('stop running containers: the stop signal, then SIGKILL after the timeout')
    .argument('<containers...>', 'container names or ids')
    .option('-t, --time <seconds>', 'seconds to wait before SIGKILL (default: the container\'s, else 10; -1: forever)')
    .option('-s, --signal <signal>', 'signal to send instead of the image\'s StopSignal')
    .action(async (containers: string[], flags: StopFlags) => {
      const { stop } = await import('../actions/stop.js');
      process.exitCode = await stop(containers, flags);
    });
}

export function registerStop(program: Command): void {
  defineStop(program.command('stop'));
}
