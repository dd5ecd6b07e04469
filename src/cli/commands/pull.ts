import type { Command } from 'commander';

export function registerPull(program: Command): void {
  program
    .command('pull')
    .description('download an image from a registry')
    .argument('<image>', 'image reference, e.g. busybox, debian:bookworm, localhost:5000/app@sha256:...')
    .option('-q, --quiet', 'print only the image reference')
    .option('--platform <os/arch[/variant]>', 'platform to pull (default: this machine\'s)')
    .action(async (image: string, opts: { quiet?: boolean; platform?: string }) => {
      const { pull } = await import('../actions/pull.js');
      process.exitCode = await pull(image, opts);
    });
}
