import type { Command } from 'commander';

export interface LoadFlags {
  input?: string;
  quiet?: boolean;
}

export function registerLoad(program: Command): void {
  program
    .command('load')
    .description('load images from a tar archive (docker-archive or OCI layout, plain or gzip)')
    .option('-i, --input <file>', 'read from this file (default: stdin)')
    .option('-q, --quiet', 'print only the loaded names')
    .action(async (opts: LoadFlags) => {
      const { load } = await import('../actions/load.js');
      process.exitCode = await load(opts);
    });
}
