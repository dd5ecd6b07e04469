import type { Command } from '@commander-js/extra-typings';
import type { FlagsOf } from './define.js';

export function defineLoad(cmd: Command) {
  return cmd
    .description('load images from a tar archive (docker-archive or OCI layout, plain or gzip)')
    .option('-i, --input <file>', 'read from this file (default: stdin)')
    .option('-q, --quiet', 'print only the loaded names');
}

export type LoadFlags = FlagsOf<typeof defineLoad>;
