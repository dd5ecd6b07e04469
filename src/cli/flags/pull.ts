import type { Command } from '@commander-js/extra-typings';
import type { FlagsOf } from './define.js';

export function definePull(cmd: Command) {
  return cmd
    .description('download an image from a registry')
    .argument('<image>', 'image reference, e.g. busybox, debian:bookworm, localhost:5000/app@sha256:...')
    .option('-q, --quiet', 'print only the image reference')
    .option('--platform <os/arch[/variant]>', 'platform to pull (default: this machine\'s)');
}

export type PullFlags = FlagsOf<typeof definePull>;
