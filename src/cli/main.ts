// The CLI entry: each verb's declaration (flags/, cheap) wired to its work (verbs/, loaded
// only when it runs), and every error mapped to one line and an exit code, here and nowhere
// else. A new flag is a line in its flags/ file; a new verb, a file in each and a row here.
import { Command, CommanderError } from '@commander-js/extra-typings';
import { formatError, EXIT } from '../errors.js';
import { writeStdout } from '../util/stdout.js';
import { defineCreate, defineRun } from './flags/run.js';
import { defineExec } from './flags/exec.js';
import { defineInfo } from './flags/info.js';
import { definePs } from './flags/ps.js';
import { defineLogs } from './flags/logs.js';
import { defineStop } from './flags/stop.js';
import { defineKill } from './flags/kill.js';
import { defineRestart } from './flags/restart.js';
import { defineRm } from './flags/rm.js';
import { defineInspect } from './flags/inspect.js';
import { defineWait } from './flags/wait.js';
import { defineRename } from './flags/rename.js';
import { defineTop } from './flags/top.js';
import { definePort } from './flags/port.js';
import { definePause, defineUnpause } from './flags/pause.js';
import { defineCp } from './flags/cp.js';
import { defineAttach } from './flags/attach.js';
import { defineStart } from './flags/start.js';
import { defineStats } from './flags/stats.js';
import { defineContainerPrune } from './flags/container.js';
import { defineVolumeCreate, defineVolumeInspect, defineVolumeLs, defineVolumePrune, defineVolumeRm } from './flags/volume.js';
import { defineDoctor } from './flags/doctor.js';
import { defineProfileCheck, defineProfileCompile, defineProfileLs, defineProfileShow } from './flags/profile.js';
import { definePull } from './flags/pull.js';
import { defineImages } from './flags/images.js';
import { defineRmi } from './flags/rmi.js';
import { defineTag } from './flags/tag.js';
import { defineImageHistory, defineImageInspect, defineImagePrune, defineImagePull } from './flags/image.js';
import { defineSystemCheck, defineSystemDf, defineSystemPrune } from './flags/system.js';
import { defineSave } from './flags/save.js';
import { defineLoad } from './flags/load.js';
import { defineImport } from './flags/import.js';
import { defineExport } from './flags/export.js';
import { defineLogin } from './flags/login.js';
import { defineLogout } from './flags/logout.js';
import { defineServe } from './flags/serve.js';
// `run` is the hot path: its code is evaluated with the entry, not through a dynamic
// import(), which costs the start a round of module loading.
import { create, run } from './verbs/run.js';

/**
 * The action of a verb whose module loads only when it runs: commander's arguments (the
 * positionals, the flags, then the command, which no verb reads) go to it as they are.
 */
function lazy<Verb extends (...args: never[]) => Promise<number>>(load: () => Promise<Verb>) {
  return async (...args: Parameters<Verb>): Promise<void> => {
    process.exitCode = await (await load())(...args);
  };
}

// The verbs `nook container VERB` repeats: declaration and work on a command given to them.
const ps = (c: Command) => definePs(c).action(lazy(() => import('./verbs/ps.js').then((m) => m.ps)));
const logs = (c: Command) => defineLogs(c).action(lazy(() => import('./verbs/logs.js').then((m) => m.logs)));
const stop = (c: Command) => defineStop(c).action(lazy(() => import('./verbs/stop.js').then((m) => m.stop)));
const kill = (c: Command) => defineKill(c).action(lazy(() => import('./verbs/kill.js').then((m) => m.kill)));
const restart = (c: Command) => defineRestart(c).action(lazy(() => import('./verbs/restart.js').then((m) => m.restart)));
const rm = (c: Command) => defineRm(c).action(lazy(() => import('./verbs/rm.js').then((m) => m.rm)));
const inspect = (c: Command) => defineInspect(c).action(lazy(() => import('./verbs/inspect.js').then((m) => m.inspect)));
const wait = (c: Command) => defineWait(c).action(lazy(() => import('./verbs/wait.js').then((m) => m.wait)));
const rename = (c: Command) => defineRename(c).action(lazy(() => import('./verbs/rename.js').then((m) => m.rename)));
const top = (c: Command) => defineTop(c).action(lazy(() => import('./verbs/top.js').then((m) => m.top)));
const port = (c: Command) => definePort(c).action(lazy(() => import('./verbs/port.js').then((m) => m.port)));
const pause = (c: Command) => definePause(c).action(lazy(() => import('./verbs/pause.js').then((m) => m.pause)));
const unpause = (c: Command) => defineUnpause(c).action(lazy(() => import('./verbs/pause.js').then((m) => m.unpause)));
const cp = (c: Command) => defineCp(c).action(lazy(() => import('./verbs/cp.js').then((m) => m.cp)));
const attach = (c: Command) => defineAttach(c).action(lazy(() => import('./verbs/attach.js').then((m) => m.attach)));
const start = (c: Command) => defineStart(c).action(lazy(() => import('./verbs/start.js').then((m) => m.start)));
const stats = (c: Command) => defineStats(c).action(lazy(() => import('./verbs/stats.js').then((m) => m.stats)));
// ... and those `nook image VERB` repeats.
const images = (c: Command) => defineImages(c).action(lazy(() => import('./verbs/images.js').then((m) => m.images)));
const rmi = (c: Command) => defineRmi(c).action(lazy(() => import('./verbs/rmi.js').then((m) => m.rmi)));
const tag = (c: Command) => defineTag(c).action(lazy(() => import('./verbs/tag.js').then((m) => m.tag)));

function container(program: Command): void {
  const c = program.command('container').description('manage containers');
  ps(c.command('ls').alias('ps').alias('list'));
  logs(c.command('logs'));
  stop(c.command('stop'));
  kill(c.command('kill'));
  restart(c.command('restart'));
  rm(c.command('rm').alias('remove'));
  inspect(c.command('inspect'));
  wait(c.command('wait'));
  rename(c.command('rename'));
  top(c.command('top'));
  port(c.command('port'));
  pause(c.command('pause'));
  unpause(c.command('unpause'));
  cp(c.command('cp'));
  attach(c.command('attach'));
  start(c.command('start'));
  stats(c.command('stats'));
  defineContainerPrune(c.command('prune')).action(lazy(() => import('./verbs/container-prune.js').then((m) => m.containerPrune)));
}

function volume(program: Command): void {
  const v = program.command('volume').description('manage named volumes');
  const load = () => import('./verbs/volume.js');
  defineVolumeCreate(v.command('create')).action(lazy(() => load().then((m) => m.volumeCreate)));
  defineVolumeLs(v.command('ls').alias('list')).action(lazy(() => load().then((m) => m.volumeLs)));
  defineVolumeInspect(v.command('inspect')).action(lazy(() => load().then((m) => m.volumeInspect)));
  defineVolumeRm(v.command('rm').alias('remove')).action(lazy(() => load().then((m) => m.volumeRm)));
  defineVolumePrune(v.command('prune')).action(lazy(() => load().then((m) => m.volumePrune)));
}

function profile(program: Command): void {
  const p = program.command('profile').description('list, show, check and compile seccomp profiles');
  const load = () => import('./verbs/profile.js');
  defineProfileLs(p.command('ls')).action(lazy(() => load().then((m) => m.profileLs)));
  defineProfileShow(p.command('show')).action(lazy(() => load().then((m) => m.profileShow)));
  defineProfileCheck(p.command('check')).action(lazy(() => load().then((m) => m.profileCheck)));
  defineProfileCompile(p.command('compile')).action(lazy(() => load().then((m) => m.profileCompile)));
}

function image(program: Command): void {
  const i = program.command('image').description('manage images');
  const load = () => import('./verbs/image.js');
  images(i.command('ls').alias('list'));
  rmi(i.command('rm'));
  tag(i.command('tag'));
  defineImagePull(i.command('pull')).action(lazy(() => import('./verbs/pull.js').then((m) => m.pull)));
  defineImageInspect(i.command('inspect')).action(lazy(() => load().then((m) => m.inspectImages)));
  defineImageHistory(i.command('history')).action(lazy(() => load().then((m) => m.history)));
  defineImagePrune(i.command('prune')).action(lazy(() => load().then((m) => m.pruneImages)));
}

function system(program: Command): void {
  const s = program.command('system').description('the image store: usage, checks, clean-up');
  const load = () => import('./verbs/system.js');
  defineSystemDf(s.command('df')).action(lazy(() => load().then((m) => m.df)));
  defineSystemCheck(s.command('check')).action(lazy(() => load().then((m) => m.check)));
  defineSystemPrune(s.command('prune')).action(lazy(() => load().then((m) => m.prune)));
}

/** Each top-level word and what declares it, in the order `nook --help` lists them. */
const VERBS: Array<[string, (program: Command) => void]> = [
  ['run', (p) => defineRun(p.command('run')).action(async (image, command, flags) => {
    process.exitCode = await run(image, command, flags);
  })],
  ['exec', (p) => defineExec(p.command('exec')).action(lazy(() => import('./verbs/exec.js').then((m) => m.exec)))],
  ['create', (p) => defineCreate(p.command('create')).action(async (image, command, flags) => {
    process.exitCode = await create(image, command, flags);
  })],
  ['info', (p) => defineInfo(p.command('info')).action(lazy(() => import('./verbs/info.js').then((m) => m.info)))],
  ['ps', (p) => ps(p.command('ps'))], ['logs', (p) => logs(p.command('logs'))], ['stop', (p) => stop(p.command('stop'))],
  ['kill', (p) => kill(p.command('kill'))], ['restart', (p) => restart(p.command('restart'))], ['rm', (p) => rm(p.command('rm'))],
  ['inspect', (p) => inspect(p.command('inspect'))], ['wait', (p) => wait(p.command('wait'))],
  ['rename', (p) => rename(p.command('rename'))], ['top', (p) => top(p.command('top'))], ['port', (p) => port(p.command('port'))],
  ['pause', (p) => pause(p.command('pause'))], ['unpause', (p) => unpause(p.command('unpause'))], ['cp', (p) => cp(p.command('cp'))],
  ['attach', (p) => attach(p.command('attach'))], ['start', (p) => start(p.command('start'))],
  ['stats', (p) => stats(p.command('stats'))], ['container', container], ['volume', volume],
  ['doctor', (p) => defineDoctor(p.command('doctor')).action(lazy(() => import('./verbs/doctor.js').then((m) => m.doctor)))],
  ['profile', profile],
  ['pull', (p) => definePull(p.command('pull')).action(lazy(() => import('./verbs/pull.js').then((m) => m.pull)))],
  ['images', (p) => images(p.command('images'))], ['rmi', (p) => rmi(p.command('rmi'))], ['tag', (p) => tag(p.command('tag'))],
  ['image', image], ['system', system],
  ['save', (p) => defineSave(p.command('save')).action(lazy(() => import('./verbs/save.js').then((m) => m.save)))],
  ['load', (p) => defineLoad(p.command('load')).action(lazy(() => import('./verbs/load.js').then((m) => m.load)))],
  ['import', (p) => defineImport(p.command('import')).action(lazy(() => import('./verbs/import.js').then((m) => m.importImage)))],
  ['export', (p) => defineExport(p.command('export')).action(lazy(() => import('./verbs/export.js').then((m) => m.exportRootfs)))],
  ['login', (p) => defineLogin(p.command('login')).action(lazy(() => import('./verbs/login.js').then((m) => m.login)))],
  ['logout', (p) => defineLogout(p.command('logout')).action(lazy(() => import('./verbs/logout.js').then((m) => m.logout)))],
  ['serve', (p) => defineServe(p.command('serve')).action(lazy(() => import('./verbs/serve.js').then((m) => m.serve)))],
];

/**
 * The CLI, with only `verb` declared when it is one of ours (declaring all ~40 with their
 * flags is measurable on every `nook run`), none for `--version` (they were 10-15 ms of it),
 * otherwise all of them: for help, suggestions and the error about an unknown one.
 */
export function buildProgram(verb?: string): Command {
  const program = new Command('nook')
    .description('rootless, daemonless container sandbox runner')
    .version('0.1.0', '-v, --version')
    .enablePositionalOptions()
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeOut: writeStdout, writeErr: (s) => process.stderr.write(s.startsWith('error:') ? `nook: ${s}` : s) });
  const only = VERBS.find(([name]) => name === verb);
  const bare = verb === '-v' || verb === '--version';
  for (const [, register] of only ? [only] : bare ? [] : VERBS) register(program);
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
