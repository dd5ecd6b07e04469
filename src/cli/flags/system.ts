import type { Command } from '@commander-js/extra-typings';
import type { FlagsOf } from './define.js';

export function defineSystemDf(cmd: Command) {
  return cmd
    .description('show the store\'s disk usage')
    .option('-v, --verbose', 'per image: size, shared size, unique size');
}

export function defineSystemCheck(cmd: Command) {
  return cmd
    .description('verify every blob against its digest, every layer and image complete; remove what dead nook processes left')
    .option('-q, --quiet', 'print only problems');
}

export function defineSystemPrune(cmd: Command) {
  return cmd
    .description('remove what no image uses, damaged blobs and layers, dead processes\' leftovers and dangling images')
    .option('-a, --all', 'also remove every image')
    .option('-f, --force', 'do not ask for confirmation (nook never asks)');
}

export type SystemDfFlags = FlagsOf<typeof defineSystemDf>;
export type SystemCheckFlags = FlagsOf<typeof defineSystemCheck>;
export type SystemPruneFlags = FlagsOf<typeof defineSystemPrune>;
