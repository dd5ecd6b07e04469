import type { Command } from 'commander';
import { collect } from '../options.js';

export interface ImportFlags {
  change?: string[];
  message?: string;
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('create a one-layer image from a root file system tarball (plain or gzip)')
    .argument('<file>', 'the tarball, or - for stdin')
    .argument('[reference]', 'name the image: REPOSITORY[:TAG]')
    .option('-c, --change <instruction>', 'apply a Dockerfile instruction: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR', collect)
    .option('-m, --message <text>', 'a comment for the image history')
    .action(async (file: string, reference: string | undefined, opts: ImportFlags) => {
      const { importImage } = await import('../actions/import.js');
      process.exitCode = await importImage(file, reference, opts);
    });
}
