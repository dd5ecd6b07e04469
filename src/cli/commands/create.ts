import type { Command } from 'commander';
import { defineRunOptions, type RunFlags } from './run.js';

export function registerCreate(program: Command): void {
  defineRunOptions(program.command('create').description('create a container without starting it (`nook start` runs it)'))
    .action(async (image: string | undefined, command: string[], flags: RunFlags & { net?: string }) => {
      const { run } = await import('../actions/run.js');
      if (flags.net && !flags.network) flags.network = flags.net;
      process.exitCode = await run(image, command, { ...flags, createOnly: true });
    });
}
