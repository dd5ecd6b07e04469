import type { Command } from '@commander-js/extra-typings';
import { collect, type FlagsOf } from './define.js';

export function defineVolumeCreate(cmd: Command) {
  return cmd
    .description('create a volume')
    .argument('[name]', 'volume name (default: a random id)')
    .option('-l, --label <key=value>', 'set metadata on the volume', collect)
    .option('-d, --driver <name>', 'volume driver (only "local")', 'local')
    .option('-o, --opt <key=value>', 'driver options (none are understood by "local" here)', collect);
}

export function defineVolumeLs(cmd: Command) {
  return cmd
    .description('list volumes')
    .option('-q, --quiet', 'only show volume names')
    .option('-f, --filter <key=value>', 'filter: dangling=true|false, label=KEY[=VALUE], name=, driver=', collect)
    .option('--format <template>', 'Go template: {{.Name}}, {{.Driver}}, {{json .}}, table ...');
}

export function defineVolumeInspect(cmd: Command) {
  return cmd
    .description('show volumes as JSON')
    .argument('<names...>', 'volume names')
    .option('-f, --format <template>', 'Go template, e.g. {{.Mountpoint}}');
}

export function defineVolumeRm(cmd: Command) {
  return cmd
    .description('remove volumes (refused while a container uses one, unless -f)')
    .argument('<names...>', 'volume names')
    .option('-f, --force', 'remove even when in use');
}

export function defineVolumePrune(cmd: Command) {
  return cmd
    .description('remove unused anonymous volumes (-a: all unused volumes)')
    .option('-a, --all', 'remove all unused volumes, not just anonymous ones')
    .option('-f, --force', 'do not prompt for confirmation')
    .option('--filter <key=value>', 'filter: label=KEY[=VALUE]', collect);
}

export type VolumeCreateFlags = FlagsOf<typeof defineVolumeCreate>;
export type VolumeLsFlags = FlagsOf<typeof defineVolumeLs>;
export type VolumeInspectFlags = FlagsOf<typeof defineVolumeInspect>;
export type VolumeRmFlags = FlagsOf<typeof defineVolumeRm>;
export type VolumePruneFlags = FlagsOf<typeof defineVolumePrune>;
