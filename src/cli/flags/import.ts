import type { Command } from '@commander-js/extra-typings';
import { collect, type FlagsOf } from './define.js';

export function defineImport(cmd: Command) {
  return cmd
    .description('create a one-layer image from a root file system tarball (plain or gzip)')
    .argument('<file>', 'the tarball, or - for stdin')
    .argument('[reference]', 'name the image: REPOSITORY[:TAG]')
    .option('-c, --change <instruction>', 'apply a Dockerfile instruction: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR', collect)
    .option('-m, --message <text>', 'a comment for the image history');
}

export type ImportFlags = FlagsOf<typeof defineImport>;
