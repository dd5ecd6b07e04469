import type { Command } from '@commander-js/extra-typings';

export function definePause(cmd: Command) {
  return cmd
    .description('suspend every process of containers (SIGSTOP: no delegated cgroup freezer here)')
    .argument('<containers...>', 'container names or ids');
}

export function defineUnpause(cmd: Command) {
  return cmd
    .description('resume every process of paused containers (SIGCONT)')
    .argument('<containers...>', 'container names or ids');
}
