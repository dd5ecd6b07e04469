import type { Command } from 'commander';
import { collect } from '../options.js';

export interface ImagesFlags {
  all?: boolean;
  quiet?: boolean;
  digests?: boolean;
  trunc?: boolean;
  filter?: string[];
  format?: string;
}

/** The `images` flags, shared by `nook images` and `nook image ls`. */
export function imagesOptions(cmd: Command): Command {
  return cmd
    .argument('[repository]', 'only images of this repository (REPOSITORY[:TAG])')
    .option('-a, --all', 'show all images (nook keeps no intermediate images, so the same as without)')
    .option('-q, --quiet', 'only show image ids')
    .option('--digests', 'show digests')
    .option('--no-trunc', 'do not truncate ids')
    .option('-f, --filter <filter>', 'filter: dangling=true|false, reference=PATTERN', collect)
    .option('--format <template>', 'Go-template-like format: {{.Repository}}, {{json .}}, table ...')
    .action(async (repository: string | undefined, opts: ImagesFlags) => {
      const { images } = await import('../actions/images.js');
      process.exitCode = await images(repository, opts);
    });
}

export function registerImages(program: Command): void {
  imagesOptions(program.command('images').description('list images'));
}
