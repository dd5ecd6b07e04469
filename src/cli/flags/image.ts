// `nook image VERB`: ls, rm and tag are the declarations of images, rmi and tag; these are
// only its own.
import type { Command } from '@commander-js/extra-typings';
import type { FlagsOf } from './define.js';

export function defineImagePull(cmd: Command) {
  return cmd
    .description('download an image from a registry')
    .argument('<image>')
    .option('-q, --quiet', 'print only the image reference')
    .option('--platform <os/arch[/variant]>', 'platform to pull');
}

export function defineImageInspect(cmd: Command) {
  return cmd
    .description('show images\' configuration as JSON (Docker\'s shape)')
    .argument('<image...>')
    .option('-f, --format <template>', 'print {{.Field}} values or {{json .Field}} per image');
}

export function defineImageHistory(cmd: Command) {
  return cmd
    .description('show how an image was built, layer by layer')
    .argument('<image>')
    .option('-q, --quiet', 'only show ids')
    .option('--no-trunc', 'do not truncate output');
}

export function defineImagePrune(cmd: Command) {
  return cmd
    .description('remove dangling (untagged) images and the layers only they use')
    .option('-a, --all', 'remove every image')
    .option('-f, --force', 'do not ask for confirmation (nook never asks)');
}

export type ImageInspectFlags = FlagsOf<typeof defineImageInspect>;
export type ImageHistoryFlags = FlagsOf<typeof defineImageHistory>;
export type ImagePruneFlags = FlagsOf<typeof defineImagePrune>;
