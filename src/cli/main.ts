// The CLI entry: declares verbs and flags (cheap), loads each verb's action only when it runs,
// and maps every error to one line and an exit code, here and nowhere else.
import { Command, CommanderError } from 'commander';
import { formatError, EXIT } from '../errors.js';
import { registerRun } from './commands/run.js';
import { registerExec } from './commands/exec.js';
import { registerInfo } from './commands/info.js';
import { registerDoctor } from './commands/doctor.js';
import { registerProfile } from './commands/profile.js';
import { registerPull } from './commands/pull.js';
import { registerImages } from './commands/images.js';
import { registerRmi } from './commands/rmi.js';
import { registerTag } from './commands/tag.js';
import { registerImage } from './commands/image.js';
import { registerSystem } from './commands/system.js';

export function buildProgram(): Command {
  const program = new Command('nook')
    .description('rootless, daemonless container sandbox runner')
    .version('0.1.0', '-v, --version')
    .enablePositionalOptions()
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s.startsWith('error:') ? `nook: ${s}` : s) });
  registerRun(program);
  registerExec(program);
  registerInfo(program);
  registerDoctor(program);
  registerProfile(program);
  registerPull(program);
  registerImages(program);
  registerRmi(program);
  registerTag(program);
  registerImage(program);
  registerSystem(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with code 0; bad flags were already printed by commander.
      return err.exitCode === 0 ? 0 : EXIT.nook;
    }
    const { text, exitCode } = formatError(err);
    process.stderr.write(text + '\n');
    return exitCode;
  }
}

// Run when executed as the bundle's entry; tests import main() instead.
if (process.argv[1] && /nook(\.mjs)?$/.test(process.argv[1])) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
