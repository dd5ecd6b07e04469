// The CLI entry: declares verbs and flags (cheap), loads each verb's action only when it runs,
// and maps every error to one line and an exit code, here and nowhere else.
import { Command, CommanderError } from 'commander';
import { formatError, EXIT } from '../errors.js';
import { registerRun } from './commands/run.js';
import { registerExec } from './commands/exec.js';
import { registerCreate } from './commands/create.js';
import { registerInfo } from './commands/info.js';
import { registerPs } from './commands/ps.js';
import { registerLogs } from './commands/logs.js';
import { registerStop } from './commands/stop.js';
import { registerKill } from './commands/kill.js';
import { registerRestart } from './commands/restart.js';
import { registerRm } from './commands/rm.js';
import { registerInspect } from './commands/inspect.js';
import { registerWait } from './commands/wait.js';
import { registerRename } from './commands/rename.js';
import { registerTop } from './commands/top.js';
import { registerPort } from './commands/port.js';
import { registerPause } from './commands/pause.js';
import { registerUnpause } from './commands/unpause.js';
import { registerCp } from './commands/cp.js';
import { registerAttach } from './commands/attach.js';
import { registerStart } from './commands/start.js';
import { registerStats } from './commands/stats.js';
import { registerContainer } from './commands/container.js';
import { registerVolume } from './commands/volume.js';
import { registerDoctor } from './commands/doctor.js';
import { registerProfile } from './commands/profile.js';
import { registerPull } from './commands/pull.js';
import { registerImages } from './commands/images.js';
import { registerRmi } from './commands/rmi.js';
import { registerTag } from './commands/tag.js';
import { registerImage } from './commands/image.js';
import { registerSystem } from './commands/system.js';
import { registerSave } from './commands/save.js';
import { registerLoad } from './commands/load.js';
import { registerImport } from './commands/import.js';
import { registerExport } from './commands/export.js';
import { registerLogin } from './commands/login.js';
import { registerLogout } from './commands/logout.js';

/** Each top-level word and what declares it, in the order `nook --help` lists them. */
const VERBS: Array<[string, (program: Command) => void]> = [
  ['run', registerRun], ['exec', registerExec], ['create', registerCreate], ['info', registerInfo],
  ['ps', registerPs], ['logs', registerLogs], ['stop', registerStop], ['kill', registerKill],
  ['restart', registerRestart], ['rm', registerRm], ['inspect', registerInspect], ['wait', registerWait],
  ['rename', registerRename], ['top', registerTop], ['port', registerPort], ['pause', registerPause],
  ['unpause', registerUnpause], ['cp', registerCp], ['attach', registerAttach], ['start', registerStart],
  ['stats', registerStats], ['container', registerContainer], ['volume', registerVolume],
  ['doctor', registerDoctor], ['profile', registerProfile], ['pull', registerPull], ['images', registerImages],
  ['rmi', registerRmi], ['tag', registerTag], ['image', registerImage], ['system', registerSystem],
  ['save', registerSave], ['load', registerLoad], ['import', registerImport], ['export', registerExport],
  ['login', registerLogin], ['logout', registerLogout],
];

/**
 * The CLI, with only `verb` declared when it is one of ours (declaring all ~40 with their
 * flags is measurable on every `nook run`), otherwise all of them: for help, suggestions and
 * the error about an unknown one.
 */
export function buildProgram(verb?: string): Command {
  const program = new Command('nook')
    .description('rootless, daemonless container sandbox runner')
    .version('0.1.0', '-v, --version')
    .enablePositionalOptions()
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s.startsWith('error:') ? `nook: ${s}` : s) });
  const only = VERBS.find(([name]) => name === verb);
  for (const [, register] of only ? [only] : VERBS) register(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram(argv[0]);
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
if (process.argv[1] && /nook(\.cjs)?$/.test(process.argv[1])) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
