import { createInterface } from 'node:readline';
import { NookError } from '../../errors.js';
import { registryDomain, verifyLogin } from '../../image/auth/verify-login.js';
import { storeCredentials } from '../../image/auth/auth-file.js';
import { loadPullSettings } from '../../image/settings.js';
import type { LoginFlags } from '../flags/login.js';

async function readStdin(): Promise<string> {
  let s = '';
  for await (const chunk of process.stdin) s += (chunk as Buffer).toString('utf8');
  return s.replace(/\r?\n$/, '');
}

/** Asks on the terminal; the password is not echoed. */
async function prompt(question: string, hidden: boolean): Promise<string> {
  if (!process.stdin.isTTY) throw new NookError(`cannot ask for the ${hidden ? 'password' : 'user name'}: stdin is not a terminal`, { hint: hidden ? 'use --password-stdin' : 'use -u USER' });
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  if (hidden) (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
    if (s.startsWith(question)) process.stderr.write(question);
  };
  try {
    return await new Promise<string>((resolve) => rl.question(question, resolve));
  } finally {
    rl.close();
    if (hidden) process.stderr.write('\n');
  }
}

export async function login(registry: string, flags: LoginFlags): Promise<number> {
  const domain = registryDomain(registry);
  if (flags.password !== undefined && flags.passwordStdin) throw new NookError('--password and --password-stdin are mutually exclusive');
  if (flags.passwordStdin && !flags.username) throw new NookError('--password-stdin needs --username');
  if (flags.password !== undefined) process.stderr.write('nook: warning: a password on the command line is visible to other users; use --password-stdin\n');
  const username = flags.username ?? (await prompt('Username: ', false)).trim();
  const password = flags.password ?? (flags.passwordStdin ? await readStdin() : await prompt('Password: ', true));
  if (username === '' || password === '') throw new NookError('user name and password must not be empty');
  const { registries, timeouts } = await loadPullSettings();
  await verifyLogin(domain, username, password, registries, timeouts.headerMs);
  await storeCredentials(domain, username, password);
  process.stdout.write('Login Succeeded!\n');
  return 0;
}
