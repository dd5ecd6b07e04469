import type { Command } from 'commander';

export function registerSystem(program: Command): void {
  const system = program.command('system').description('the image store: usage, checks, clean-up');
  system
    .command('df')
    .description('show the store\'s disk usage')
    .option('-v, --verbose', 'per image: size, shared size, unique size')
    .action(async (opts: { verbose?: boolean }) => {
      const { df } = await import('../actions/system.js');
      process.exitCode = await df(opts);
    });
  system
    .command('check')
    .description('verify every blob against its digest, every layer and image complete; remove what dead nook processes left')
    .option('-q, --quiet', 'print only problems')
    .action(async (opts: { quiet?: boolean }) => {
      const { check } = await import('../actions/system.js');
      process.exitCode = await check(opts);
    });
  system
    .command('prune')
    .description('remove what no image uses, damaged blobs and layers, dead processes\' leftovers and dangling images')
    .option('-a, --all', 'also remove every image')
    .option('-f, --force', 'do not ask for confirmation (nook never asks)')
    .action(async (opts: { all?: boolean }) => {
      const { prune } = await import('../actions/system.js');
      process.exitCode = await prune(opts);
    });
}
