import type { Command } from '@commander-js/extra-typings';
import type { FlagsOf } from './define.js';

export function defineCp(cmd: Command) {
  return cmd
    .description('copy files between a container and the host (- for a tar stream on stdin/stdout)')
    .argument('<source>', 'CONTAINER:SRC_PATH, a host path, or -')
    .argument('<destination>', 'CONTAINER:DEST_PATH, a host path, or -')
    .option('-a, --archive', 'keep uid/gid as in the archive (default: owned by the container\'s root)')
    .option('-L, --follow-link', 'follow a symbolic link given as the source')
    .option('-q, --quiet', 'no progress output (there is none)');
}

export type CpFlags = FlagsOf<typeof defineCp>;
