import type { Command } from 'commander';
import { defineRunOptions, type RunFlags } from './run.js';

export function registerCreate(program: Command): void {
  defineRunOptions(program.command('create').description('create a container without starting it (`nook start` runs it)'))
    .action(async (image: string | undefined, command: string[], flags: RunFlags) => {
      const { run } = await import('../actions/run.js');
      process.exitCode = await run(image, command, { ...flags, createOnly: true });
    });
}
