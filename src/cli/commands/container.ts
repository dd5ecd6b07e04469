// `nook container VERB`: Docker's management form of the container verbs; the same flags and
// actions as the top-level verbs.
import type { Command } from 'commander';
import { collect } from '../options.js';
import { definePs } from './ps.js';
import { defineLogs } from './logs.js';
import { defineStop } from './stop.js';
import { defineKill } from './kill.js';
import { defineRestart } from './restart.js';
import { defineRm } from './rm.js';
import { defineInspect } from './inspect.js';
import { defineWait } from './wait.js';
import { defineRename } from './rename.js';
import { defineTop } from './top.js';
import { definePort } from './port.js';
import { definePause } from './pause.js';
import { defineUnpause } from './unpause.js';
import { defineCp } from './cp.js';
import { defineAttach } from './attach.js';
import { defineStart } from './start.js';
import { defineStats } from './stats.js';

export function registerContainer(program: Command): void {
  const c = program.command('container').description('manage containers');
  definePs(c.command('ls').alias('ps').alias('list'));
  defineLogs(c.command('logs'));
  defineStop(c.command('stop'));
  defineKill(c.command('kill'));
  defineRestart(c.command('restart'));
  defineRm(c.command('rm').alias('remove'));
  defineInspect(c.command('inspect'));
  defineWait(c.command('wait'));
  defineRename(c.command('rename'));
  defineTop(c.command('top'));
  definePort(c.command('port'));
  definePause(c.command('pause'));
  defineUnpause(c.command('unpause'));
  defineCp(c.command('cp'));
  defineAttach(c.command('attach'));
  defineStart(c.command('start'));
  defineStats(c.command('stats'));
  c.command('prune')
    .description('remove all stopped containers')
    .option('-f, --force', 'do not prompt for confirmation')
    .option('--filter <key=value>', 'filter: label=KEY[=VALUE], until=TIME', collect)
    .action(async (flags: { force?: boolean; filter?: string[] }) => {
      const { containerPrune } = await import('../actions/container-prune.js');
      process.exitCode = await containerPrune(flags);
    });
}
