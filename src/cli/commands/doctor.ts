import type { Command } from 'commander';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check every rootless prerequisite and print the fix for each missing one')
    .option('--json', 'print the checks as JSON')
    .action(async (opts: { json?: boolean }) => {
      const { doctor } = await import('../actions/doctor.js');
      process.exitCode = await doctor(opts);
    });
}
