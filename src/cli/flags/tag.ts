import type { Command } from '@commander-js/extra-typings';

/** `nook tag` and `nook image tag`. */
export function defineTag(cmd: Command) {
  return cmd
    .description('give an image another name')
    .argument('<source>', 'existing image (name or id)')
    .argument('<target>', 'new name[:tag]');
}
