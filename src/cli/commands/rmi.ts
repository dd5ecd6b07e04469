import type { Command } from 'commander';

export function rmiOptions(cmd: Command): Command {
  return cmd
    .argument('<image...>', 'images to remove (name, name:tag, id or id prefix)')
    .option('-f, --force', 'remove an image even when several names point at it')
    .action(async (names: string[], opts: { force?: boolean }) => {
      const { rmi } = await import('../actions/rmi.js');
      process.exitCode = await rmi(names, opts);
    });
}

export function registerRmi(program: Command): void {
  rmiOptions(program.command('rmi').description('remove images'));
}
