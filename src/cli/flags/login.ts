import type { Command } from '@commander-js/extra-typings';
import type { FlagsOf } from './define.js';

export function defineLogin(cmd: Command) {
  return cmd
    .description('log in to a registry (credentials kept in $XDG_RUNTIME_DIR/containers/auth.json)')
    .argument('[registry]', 'registry host[:port]', 'docker.io')
    .option('-u, --username <user>', 'user name')
    .option('-p, --password <password>', 'password (visible to other users: prefer --password-stdin)')
    .option('--password-stdin', 'read the password from stdin');
}

export type LoginFlags = FlagsOf<typeof defineLogin>;
