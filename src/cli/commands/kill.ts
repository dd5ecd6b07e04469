import type { Command } from 'commander';

export function defineKill(cmd: Command): Command {
  return cmd
    .description('send a signal to running containers\' init process')
    .argument('<containers...>', 'container names or ids')
    .option('-s, --signal <signal>', 'signal name or number', 'KILL')
    .action(async (containers: string[], flags: { signal: string }) => {
      const { kill } = await import('../actions/kill.js');
      process.exitCode = await kill(containers, flags.signal);
    });
}

export function registerKill(program: Command): void {
  defineKill(program.command('kill'));
}
