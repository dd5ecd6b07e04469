import type { Command } from '@commander-js/extra-typings';
import { collect, type FlagsOf } from './define.js';

export function defineProfileLs(cmd: Command) {
  return cmd.description('list the built-in profiles');
}

export function defineProfileShow(cmd: Command) {
  return cmd
    .description('print a profile readably: each group of system calls with its action and reason')
    .argument('<profile>', 'built-in name or JSON file');
}

export function defineProfileCheck(cmd: Command) {
  return cmd
    .description('validate a profile and compile it with libseccomp, printing ok or the first error')
    .argument('<file>', 'profile JSON file (or built-in name)');
}

export function defineProfileCompile(cmd: Command) {
  return cmd
    .description('compile a profile to a raw BPF program (usable with bwrap --seccomp FD)')
    .argument('<profile>', 'built-in name or JSON file')
    .requiredOption('-o, --output <file>', 'where to write the program')
    .option('--cap-add <cap>', 'compile for the default capabilities plus this one (ALL for all)', collect)
    .option('--cap-drop <cap>', 'compile for the default capabilities minus this one (ALL for all)', collect);
}

export type ProfileCompileFlags = FlagsOf<typeof defineProfileCompile>;
