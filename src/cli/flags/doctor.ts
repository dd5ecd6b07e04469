import type { Command } from '@commander-js/extra-typings';
import type { FlagsOf } from './define.js';

export function defineDoctor(cmd: Command) {
  return cmd
    .description('check every rootless prerequisite and print the fix for each missing one')
    .option('--json', 'print the checks as JSON');
}

export type DoctorFlags = FlagsOf<typeof defineDoctor>;
