import type { Command } from '@commander-js/extra-typings';
import type { FlagsOf } from './define.js';

export function defineInfo(cmd: Command) {
  return cmd
    .description('show how nook will run containers for this user')
    .option('--format <format>', '`json` for machine-readable output');
}

export type InfoFlags = FlagsOf<typeof defineInfo>;
