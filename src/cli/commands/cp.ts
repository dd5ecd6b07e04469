import type { Command } from 'commander';

export interface CpFlags {
  archive?: boolean;
  followLink?: boolean;
  quiet?: boolean;
}

export function defineCp(cmd: Command): Command {
  return cmd
    .description('copy files between a container and the host (- for a tar stream on stdin/stdout)')
    .argument('<source>', 'CONTAINER:SRC_PATH, a host path, or -')
    .argument('<destination>', 'CONTAINER:DEST_PATH, a host path, or -')
    .option('-a, --archive', 'keep uid/gid as in the archive (default: owned by the container\'s root)')
    .option('-L, --follow-link', 'follow a symbolic link given as the source')
    .option('-q, --quiet', 'no progress output (there is none)')
    .action(async (source: string, destination: string, flags: CpFlags) => {
      const { cp } = await import('../actions/cp.js');
      process.exitCode = await cp(source, destination, flags);
    });
}

export function registerCp(program: Command): void {
  defineCp(program.command('cp'));
}
