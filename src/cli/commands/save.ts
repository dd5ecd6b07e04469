import type { Command } from 'commander';

export interface SaveFlags {
  output?: string;
  format?: string;
}

export function registerSave(program: Command): void {
  program
    .command('save')
    .description('save images to a tar archive (docker-archive, or an OCI layout)')
    .argument('<image...>', 'images to save, by name or id')
    .option('-o, --output <file>', 'write to this file (default: stdout, if it is not a terminal)')
    .option('--format <format>', 'docker-archive or oci-archive', 'docker-archive')
    .action(async (images: string[], opts: SaveFlags) => {
      const { save } = await import('../actions/save.js');
      process.exitCode = await save(images, opts);
    });
}
