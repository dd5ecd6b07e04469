import type { Command } from 'commander';
import { collect } from '../options.js';

export interface ProfileCompileFlags {
  output: string;
  capAdd?: string[];
  capDrop?: string[];
}

export function registerProfile(program: Command): void {
  const profile = program.command('profile').description('list, show, check and compile seccomp profiles');
  profile
    .command('ls')
    .description('list the built-in profiles')
    .action(async () => {
      const { profileLs } = await import('../actions/profile.js');
      process.exitCode = await profileLs();
    });
  profile
    .command('show')
    .description('print a profile readably: each group of system calls with its action and reason')
    .argument('<profile>', 'built-in name or JSON file')
    .action(async (ref: string) => {
      const { profileShow } = await import('../actions/profile.js');
      process.exitCode = await profileShow(ref);
    });
  profile
    .command('check')
    .description('validate a profile and compile it with libseccomp, printing ok or the first error')
    .argument('<file>', 'profile JSON file (or built-in name)')
    .action(async (ref: string) => {
      const { profileCheck } = await import('../actions/profile.js');
      process.exitCode = await profileCheck(ref);
    });
  profile
    .command('compile')
    .description('compile a profile to a raw BPF program (usable with bwrap --seccomp FD)')
    .argument('<profile>', 'built-in name or JSON file')
    .requiredOption('-o, --output <file>', 'where to write the program')
    .option('--cap-add <cap>', 'compile for the default capabilities plus this one (ALL for all)', collect)
    .option('--cap-drop <cap>', 'compile for the default capabilities minus this one (ALL for all)', collect)
    .action(async (ref: string, flags: ProfileCompileFlags) => {
      const { profileCompile } = await import('../actions/profile.js');
      process.exitCode = await profileCompile(ref, flags);
    });
}
