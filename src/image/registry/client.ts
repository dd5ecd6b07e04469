// A distribution v2 client on Node's fetch: the 401 -> token dance, retries with back-off for
// transient failures, mirrors before the registry, and bounded reads of manifests and configs.
// Node's fetch (undici) is enough: it streams bodies, follows blob redirects to CDNs and drops
// Authorization on a cross-origin redirect.
import { Readable } from 'node:stream';
import { NookError } from '../../errors.js';
import { parseChallenge, realmMayReceiveCredentials, tokenRealm } from './challenge.js';
import { findCredentials, type Credentials } from './credentials.js';
import { endpointsFor, type Endpoint, type RegistrySettings } from './endpoints.js';

const RETRIES = 3;
const BACKOFF_MS = [250, 1000, 3000];
const HEADER_TIMEOUT_MS = 30_000;

export interface FetchedDocument {
  body: Buffer;
  contentType: string | undefined;
  /** Docker-Content-Digest, when the registry sent it. */
  digest: string | undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class RegistryClient {
  private readonly endpoints: Endpoint[];
  private readonly tokens = new Map<string, string>();
  /** by Endpoint.credentialsName: each host gets only what is stored for it */
  private readonly credentials = new Map<string, Credentials | undefined>();

  constructor(private readonly domain: string, settings: RegistrySettings) {
    this.endpoints = endpointsFor(domain, settings);
  }

  async manifest(repo: string, reference: string, accept: string, maxBytes: number): Promise<FetchedDocument> {
    const res = await this.get(repo, `/v2/${repo}/manifests/${reference}`, { Accept: accept }, `manifest ${repo}:${reference}`);
    return { body: await readBounded(res, maxBytes, `manifest of ${this.domain}/${repo}`), contentType: res.headers.get('content-type') ?? undefined, digest: res.headers.get('docker-content-digest') ?? undefined };
  }

  async smallBlob(repo: string, digest: string, maxBytes: number): Promise<Buffer> {
    const res = await this.get(repo, `/v2/${repo}/blobs/${digest}`, {}, `blob ${digest}`);
    return readBounded(res, maxBytes, `blob ${digest}`);
  }

  /** A blob as a stream; the caller verifies digest and size while consuming it. */
  async blobStream(repo: string, digest: string): Promise<Readable> {
    const res = await this.get(repo, `/v2/${repo}/blobs/${digest}`, {}, `blob ${digest}`);
    if (!res.body) throw new NookError(`registry ${this.domain} sent an empty body for blob ${digest}`);
    return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
  }

  /** GET on the first endpoint that answers; a mirror that fails or lacks the content is skipped. */
  private async get(repo: string, path: string, headers: Record<string, string>, what: string): Promise<Response> {
    let lastError: NookError | undefined;
    for (const ep of this.endpoints) {
      try {
        return await this.getFrom(ep, repo, path, headers, what);
      } catch (err) {
        if (!(err instanceof NookError) || !ep.mirror) throw err;
        lastError = err;
      }
    }
    throw lastError ?? new NookError(`no endpoint for ${this.domain}`);
  }

  private async getFrom(ep: Endpoint, repo: string, path: string, headers: Record<string, string>, what: string): Promise<Response> {
    const scope = `repository:${repo}:pull`;
    let authTried = false;
    for (let attempt = 0; ; attempt++) {
      const auth = this.tokens.get(`${ep.host} ${scope}`);
      let res: Response;
      try {
        res = await fetch(ep.base + path, { headers: { ...headers, ...(auth ? { Authorization: auth } : {}) }, redirect: 'follow', signal: AbortSignal.timeout(HEADER_TIMEOUT_MS) });
      } catch (err) {
        if (attempt < RETRIES) {
          await sleep(BACKOFF_MS[attempt]!);
          continue;
        }
        throw this.networkError(ep, err);
      }
      if (res.status === 401 && !authTried) {
        authTried = true;
        await res.body?.cancel();
        await this.authenticate(ep, scope, res.headers.get('www-authenticate'));
        attempt--;
        continue;
      }
      if ((res.status === 429 || res.status >= 500) && attempt < RETRIES) {
        await res.body?.cancel();
        await sleep(retryAfterMs(res) ?? BACKOFF_MS[attempt]!);
        continue;
      }
      if (res.ok) return res;
      const detail = await errorDetail(res);
      if (res.status === 401 || res.status === 403) {
        throw new NookError(`pull access denied for ${this.domain}/${repo}: ${detail}`, { hint: 'the repository does not exist or needs credentials (docker login / podman login)' });
      }
      if (res.status === 404) throw new NookError(`${what} not found in ${this.domain}/${repo}: ${detail}`);
      throw new NookError(`registry ${ep.host} answered ${res.status} for ${what}: ${detail}`);
    }
  }

  private async authenticate(ep: Endpoint, scope: string, header: string | null): Promise<void> {
    const ch = parseChallenge(header);
    if (!ch) throw new NookError(`registry ${ep.host} wants authentication it does not describe (WWW-Authenticate: ${header ?? 'none'})`);
    const creds = this.credentialsFor(ep);
    const basic = creds && creds.username ? 'Basic ' + Buffer.from(`${creds.username}:${creds.password}`).toString('base64') : undefined;
    if (ch.scheme === 'basic') {
      if (!basic) throw new NookError(`registry ${ep.host} needs a user name and password`, { hint: 'log in with docker login or podman login' });
      this.tokens.set(`${ep.host} ${scope}`, basic);
      return;
    }
    const url = tokenRealm(ch, ep.host);
    // Another host over plain http gets an anonymous token request, never the user's secret.
    const sendCreds = realmMayReceiveCredentials(url, ep.base);
    url.searchParams.set('scope', scope);
    let res: Response;
    try {
      res = sendCreds && creds?.identityToken
        ? await fetch(url.origin + url.pathname, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.identityToken, service: ch.params['service'] ?? '', scope, client_id: 'nook' }),
          signal: AbortSignal.timeout(HEADER_TIMEOUT_MS),
        })
        : await fetch(url, { headers: sendCreds && basic ? { Authorization: basic } : {}, signal: AbortSignal.timeout(HEADER_TIMEOUT_MS) });
    } catch (err) {
      throw new NookError(`cannot reach the token server ${url.host}: ${(err as Error).message}`);
    }
    if (!res.ok) throw new NookError(`token server ${url.host} refused (${res.status}): ${await errorDetail(res)}`, { hint: creds ? 'check your registry credentials' : 'log in with docker login or podman login' });
    const body = (await res.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new NookError(`token server ${url.host} sent no token`);
    this.tokens.set(`${ep.host} ${scope}`, `Bearer ${token}`);
  }

  private credentialsFor(ep: Endpoint): Credentials | undefined {
    if (!this.credentials.has(ep.credentialsName)) this.credentials.set(ep.credentialsName, findCredentials(ep.credentialsName));
    return this.credentials.get(ep.credentialsName);
  }

  private networkError(ep: Endpoint, err: unknown): NookError {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (err as Error).message;
    const tlsToPlain = ep.base.startsWith('https:') && /EPROTO|SSL|TLS|wrong version/i.test(`${cause?.code} ${cause?.message}`);
    return new NookError(`cannot reach registry ${ep.host}: ${why}`, tlsToPlain
      ? { hint: `if it serves plain http, list it in the config's registries.insecure` }
      : {});
  }
}

function retryAfterMs(res: Response): number | undefined {
  const v = Number(res.headers.get('retry-after'));
  return Number.isFinite(v) && v > 0 ? Math.min(v, 30) * 1000 : undefined;
}

async function errorDetail(res: Response): Promise<string> {
  const text = (await res.text().catch(() => '')).slice(0, 2000);
  try {
    const j = JSON.parse(text) as { errors?: Array<{ code?: string; message?: string }> };
    const e = j.errors?.[0];
    if (e) return `${e.code ?? ''} ${e.message ?? ''}`.trim().toLowerCase();
  } catch {
    // not JSON
  }
  return `HTTP ${res.status}`;
}

/** Reads a body that must fit in memory, refusing more than `max` bytes. */
async function readBounded(res: Response, max: number, what: string): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) throw new NookError(`${what} is ${declared} bytes, more than the ${max} allowed`);
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>)) {
    n += (chunk as Buffer).length;
    if (n > max) throw new NookError(`${what} is more than the ${max} bytes allowed`);
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts);
}
