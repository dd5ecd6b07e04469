import type { Command } from 'commander';

export function registerInfo(program: Command): void {
  program
    .command('info')
    .description('show how nook will run containers for this user')
    .option('--format <format>', '`json` for machine-readable output')
    .action(async (opts: { format?: string }) => {
      const { info } = await import('../actions/info.js');
      process.exitCode = await info(opts);
    });
}
