import type { Command } from 'commander';
import { imagesOptions } from './images.js';
import { rmiOptions } from './rmi.js';
import { tagOptions } from './tag.js';

export function registerImage(program: Command): void {
  const image = program.command('image').description('manage images');
  imagesOptions(image.command('ls').alias('list').description('list images'));
  rmiOptions(image.command('rm').description('remove images'));
  tagOptions(image.command('tag').description('give an image another name'));
  image
    .command('pull')
    .description('download an image from a registry')
    .argument('<image>')
    .option('-q, --quiet', 'print only the image reference')
    .option('--platform <os/arch[/variant]>', 'platform to pull')
    .action(async (ref: string, opts: { quiet?: boolean; platform?: string }) => {
      const { pull } = await import('../actions/pull.js');
      process.exitCode = await pull(ref, opts);
    });
  image
    .command('inspect')
    .description('show images\' configuration as JSON (Docker\'s shape)')
    .argument('<image...>')
    .option('-f, --format <template>', 'print {{.Field}} values or {{json .Field}} per image')
    .action(async (names: string[], opts: { format?: string }) => {
      const { inspectImages } = await import('../actions/image.js');
      process.exitCode = await inspectImages(names, opts);
    });
  image
    .command('history')
    .description('show how an image was built, layer by layer')
    .argument('<image>')
    .option('-q, --quiet', 'only show ids')
    .option('--no-trunc', 'do not truncate output')
    .action(async (name: string, opts: { quiet?: boolean; trunc?: boolean }) => {
      const { history } = await import('../actions/image.js');
      process.exitCode = await history(name, opts);
    });
  image
    .command('prune')
    .description('remove dangling (untagged) images and the layers only they use')
    .option('-a, --all', 'remove every image')
    .option('-f, --force', 'do not ask for confirmation (nook never asks)')
    .action(async (opts: { all?: boolean }) => {
      const { pruneImages } = await import('../actions/image.js');
      process.exitCode = await pruneImages(opts);
    });
}
