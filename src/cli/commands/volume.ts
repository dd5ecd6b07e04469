import type { Command } from 'commander';
import { collect } from '../options.js';

export interface VolumeCreateFlags { label?: string[]; driver?: string; opt?: string[] }
export interface VolumeLsFlags { quiet?: boolean; filter?: string[]; format?: string }
export interface VolumePruneFlags { force?: boolean; all?: boolean; filter?: string[] }

export function registerVolume(program: Command): void {
  const volume = program.command('volume').description('manage named volumes');
  volume
    .command('create')
    .description('create a volume')
    .argument('[name]', 'volume name (default: a random id)')
    .option('-l, --label <key=value>', 'set metadata on the volume', collect)
    .option('-d, --driver <name>', 'volume driver (only "local")', 'local')
    .option('-o, --opt <key=value>', 'driver options (none are understood by "local" here)', collect)
    .action(async (name: string | undefined, flags: VolumeCreateFlags) => {
      const { volumeCreate } = await import('../actions/volume.js');
      process.exitCode = await volumeCreate(name, flags);
    });
  volume
    .command('ls')
    .alias('list')
    .description('list volumes')
    .option('-q, --quiet', 'only show volume names')
    .option('-f, --filter <key=value>', 'filter: dangling=true|false, label=KEY[=VALUE], name=, driver=', collect)
    .option('--format <template>', 'Go template: {{.Name}}, {{.Driver}}, {{json .}}, table ...')
    .action(async (flags: VolumeLsFlags) => {
      const { volumeLs } = await import('../actions/volume.js');
      process.exitCode = await volumeLs(flags);
    });
  volume
    .command('inspect')
    .description('show volumes as JSON')
    .argument('<names...>', 'volume names')
    .option('-f, --format <template>', 'Go template, e.g. {{.Mountpoint}}')
    .action(async (names: string[], flags: { format?: string }) => {
      const { volumeInspect } = await import('../actions/volume.js');
      process.exitCode = await volumeInspect(names, flags.format);
    });
  volume
    .command('rm')
    .alias('remove')
    .description('remove volumes (refused while a container uses one, unless -f)')
    .argument('<names...>', 'volume names')
    .option('-f, --force', 'remove even when in use')
    .action(async (names: string[], flags: { force?: boolean }) => {
      const { volumeRm } = await import('../actions/volume.js');
      process.exitCode = await volumeRm(names, flags.force ?? false);
    });
  volume
    .command('prune')
    .description('remove unused anonymous volumes (-a: all unused volumes)')
    .option('-a, --all', 'remove all unused volumes, not just anonymous ones')
    .option('-f, --force', 'do not prompt for confirmation')
    .option('--filter <key=value>', 'filter: label=KEY[=VALUE]', collect)
    .action(async (flags: VolumePruneFlags) => {
      const { volumePrune } = await import('../actions/volume.js');
      process.exitCode = await volumePrune(flags);
    });
}
