import type { Command } from 'commander';

export function registerLogout(program: Command): void {
  program
    .command('logout')
    .description('remove the stored credentials of a registry')
    .argument('[registry]', 'registry host[:port]', 'docker.io')
    .action(async (registry: string) => {
      const { logout } = await import('../actions/logout.js');
      process.exitCode = await logout(registry);
    });
}
