import type { Command } from '@commander-js/extra-typings';
import type { FlagsOf } from './define.js';

export function defineExport(cmd: Command) {
  return cmd
    .description('write a container\'s root file system as a tar archive')
    .argument('<container>', 'container name or id')
    .option('-o, --output <file>', 'write to this file (default: stdout, if it is not a terminal)');
}

export type ExportFlags = FlagsOf<typeof defineExport>;
