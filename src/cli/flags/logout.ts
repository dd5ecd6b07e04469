import type { Command } from '@commander-js/extra-typings';

export function defineLogout(cmd: Command) {
  return cmd
    .description('remove the stored credentials of a registry')
    .argument('[registry]', 'registry host[:port]', 'docker.io');
}
