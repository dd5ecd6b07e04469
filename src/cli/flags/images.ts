import type { Command } from '@commander-js/extra-typings';
import { collect, type FlagsOf } from './define.js';

/** `nook images` and `nook image ls`. */
export function defineImages(cmd: Command) {
  return cmd
    .description('list images')
    .argument('[repository]', 'only images of this repository (REPOSITORY[:TAG])')
    .option('-a, --all', 'show all images (nook keeps no intermediate images, so the same as without)')
    .option('-q, --quiet', 'only show image ids')
    .option('--digests', 'show digests')
    .option('--no-trunc', 'do not truncate ids')
    .option('-f, --filter <filter>', 'filter: dangling=true|false, reference=PATTERN', collect)
    .option('--format <template>', 'Go-template-like format: {{.Repository}}, {{json .}}, table ...');
}

export type ImagesFlags = FlagsOf<typeof defineImages>;
