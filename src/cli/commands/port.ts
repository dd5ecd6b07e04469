import type { Command } from 'commander';

export function definePort(cmd: Command): Command {
  return cmd
    .description('list a container\'s published ports')
    .argument('<container>', 'container name or id')
    .argument('[private-port]', 'PORT[/PROTO]: only this one')
    .action(async (container: string, privatePort: string | undefined) => {
      const { port } = await import('../actions/port.js');
      process.exitCode = await port(container, privatePort);
    });
}

export function registerPort(program: Command): void {
  definePort(program.command('port'));
}
