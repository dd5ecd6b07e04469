import type { Command } from 'commander';

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('write a container\'s root file system as a tar archive')
    .argument('<container>', 'container name or id')
    .option('-o, --output <file>', 'write to this file (default: stdout, if it is not a terminal)')
    .action(async (container: string, opts: { output?: string }) => {
      const { exportRootfs } = await import('../actions/export.js');
      process.exitCode = await exportRootfs(container, opts);
    });
}
