import type { Command } from '@commander-js/extra-typings';

export function defineTop(cmd: Command) {
  return cmd
    .description('show a container\'s processes (the host\'s ps; default options -ef)')
    .argument('<container>', 'container name or id')
    .argument('[ps-options...]', 'options for ps')
    .allowUnknownOption()
    .helpOption('--help')
    .passThroughOptions();
}
