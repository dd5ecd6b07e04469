import type { Command } from '@commander-js/extra-typings';

export function definePort(cmd: Command) {
  return cmd
    .description('list a container\'s published ports')
    .argument('<container>', 'container name or id')
    .argument('[private-port]', 'PORT[/PROTO]: only this one');
}
