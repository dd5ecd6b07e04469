import type { Command } from 'commander';

export interface LoginFlags {
  username?: string;
  password?: string;
  passwordStdin?: boolean;
}

export function registerLogin(program: Command): void {
  program
    .command('login')
    .description('log in to a registry (credentials kept in $XDG_RUNTIME_DIR/containers/auth.json)')
    .argument('[registry]', 'registry host[:port]', 'docker.io')
    .option('-u, --username <user>', 'user name')
    .option('-p, --password <password>', 'password (visible to other users: prefer --password-stdin)')
    .option('--password-stdin', 'read the password from stdin')
    .action(async (registry: string, opts: LoginFlags) => {
      const { login } = await import('../actions/login.js');
      process.exitCode = await login(registry, opts);
    });
}
