import { NookError } from '../../errors.js';
import { registryDomain } from '../../image/auth/verify-login.js';
import { removeCredentials } from '../../image/auth/auth-file.js';

export async function logout(registry: string): Promise<number> {
  const domain = registryDomain(registry);
  if (!(await removeCredentials(domain))) throw new NookError(`not logged in to ${domain}`);
  process.stdout.write(`Removed login credentials for ${domain}\n`);
  return 0;
}
