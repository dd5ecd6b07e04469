// Checks credentials against a registry before they are stored, as `docker login` does: GET /v2/;
// on a basic challenge, again with the credentials; on a bearer challenge, a token request to
// the realm with them (no scope: the token server only has to accept the account).
import { NookError } from '../../errors.js';
import { parseChallenge, realmMayReceiveCredentials, tokenRealm } from '../registry/challenge.js';
import { fetchOnce } from '../registry/client.js';
import { endpointsFor, type RegistrySettings } from '../registry/endpoints.js';

/** `https://host:5000/v2/`, `host:5000`, `index.docker.io` -> the registry's domain. Pure. */
export function registryDomain(input: string): string {
  const host = input.trim().replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '').toLowerCase();
  if (host === '') throw new NookError('empty registry name', { hint: 'give a registry such as docker.io or localhost:5000' });
  if (!/^(\[[0-9a-f:]+\]|[a-z0-9.-]+)(:\d+)?$/.test(host)) throw new NookError(`invalid registry "${input}"`, { hint: 'give HOST or HOST:PORT' });
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}

// Every body here is cancelled unread: only the status and the challenge count.
function get(url: string, authorization: string | undefined, domain: string, headerMs: number): Promise<Response> {
  return fetchOnce(url, { headers: authorization ? { Authorization: authorization } : {} }, headerMs, `registry ${domain}`, 'check the name; a plain-http registry must be listed in the config\'s registries.insecure');
}

/** `headerMs`: the config's limits.headerTimeoutSeconds, as for a pull. */
export async function verifyLogin(domain: string, username: string, password: string, settings: RegistrySettings, headerMs: number): Promise<void> {
  const ep = endpointsFor(domain, settings).find((e) => !e.mirror)!;
  const basic = 'Basic ' + Buffer.from(`${username}:${password}`).toString('base64');
  const first = await get(`${ep.base}/v2/`, undefined, domain, headerMs);
  await first.body?.cancel();
  if (first.ok) return; // a registry without authentication takes anyone
  if (first.status !== 401) throw new NookError(`registry ${domain} answered ${first.status} to /v2/: it does not look like a registry`);
  const ch = parseChallenge(first.headers.get('www-authenticate'));
  if (!ch) throw new NookError(`registry ${domain} wants authentication it does not describe`);
  let res: Response;
  if (ch.scheme === 'basic') {
    res = await get(`${ep.base}/v2/`, basic, domain, headerMs);
  } else {
    const url = tokenRealm(ch, domain);
    if (!realmMayReceiveCredentials(url, ep.base)) throw new NookError(`registry ${domain} names the token server ${url.origin}, another host over plain http: nook does not send your password there`, { hint: 'the token server must use https' });
    url.searchParams.set('account', username);
    res = await get(url.href, basic, domain, headerMs);
  }
  await res.body?.cancel();
  if (res.status === 401 || res.status === 403) throw new NookError(`login to ${domain} failed: unauthorized: incorrect username or password`);
  if (!res.ok) throw new NookError(`login to ${domain} failed: the registry answered ${res.status}`);
}
