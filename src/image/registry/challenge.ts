// WWW-Authenticate challenges (RFC 7235) as registries send them, and where a bearer challenge
// may send the user's credentials. Pure.
import { NookError } from '../../errors.js';

export interface Challenge {
  scheme: 'bearer' | 'basic';
  params: Record<string, string>;
}

export function parseChallenge(header: string | null): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const scheme = m[1]!.toLowerCase();
  if (scheme !== 'bearer' && scheme !== 'basic') return undefined;
  const params: Record<string, string> = {};
  const re = /(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]+))/g;
  for (let p = re.exec(m[2]!); p; p = re.exec(m[2]!)) params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]!;
  return { scheme, params };
}

/**
 * Whether the credentials of the endpoint at `origin` may go to the token `realm` it named: a
 * challenge is the server's word, so its realm gets them only over https, or when it is that
 * same server (scheme, host and port); never over plain http to another host.
 */
export function realmMayReceiveCredentials(realm: URL, origin: string): boolean {
  return realm.protocol === 'https:' || realm.origin === new URL(origin).origin;
}

/** The token server a bearer challenge names, with its service; refused unless http(s). */
export function tokenRealm(ch: Challenge, host: string): URL {
  const realm = ch.params['realm'];
  if (!realm) throw new NookError(`registry ${host} sent a bearer challenge without a realm`);
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new NookError(`registry ${host} sent a bearer challenge with a bad realm "${realm}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new NookError(`registry ${host} sent a bearer challenge whose realm is not http(s): ${url.protocol}`);
  if (ch.params['service']) url.searchParams.set('service', ch.params['service']);
  return url;
}
