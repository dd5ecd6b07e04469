import type { Command } from '@commander-js/extra-typings';
import type { FlagsOf } from './define.js';

export function defineSave(cmd: Command) {
  return cmd
    .description('save images to a tar archive (docker-archive, or an OCI layout)')
    .argument('<image...>', 'images to save, by name or id')
    .option('-o, --output <file>', 'write to this file (default: stdout, if it is not a terminal)')
    .option('--format <format>', 'docker-archive or oci-archive', 'docker-archive');
}

export type SaveFlags = FlagsOf<typeof defineSave>;
