// A distribution v2 client on Node's fetch: the 401 -> token dance, retries with back-off for
// transient failures, mirrors before the registry, bounded reads of manifests and configs, and
// blob downloads that resume where they broke. Time limits apply to waiting (for headers, for the
// next byte), never to a whole body: a multi-GB layer on a slow link takes as long as it takes.
// Node's fetch (undici) is enough: it streams bodies, follows blob redirects to CDNs and drops
// Authorization on a cross-origin redirect.
import { Readable } from 'node:stream';
import type { ReadableStreamDefaultReader } from 'node:stream/web';
import { NookError } from '../../errors.js';
import { parseChallenge, realmMayReceiveCredentials, tokenRealm } from './challenge.js';
import { findCredentials, type Credentials } from './credentials.js';
import { endpointsFor, type Endpoint, type RegistrySettings } from './endpoints.js';
import { isFinalStatus, rangeHeader, resumeSkip, retryDelayMs, type Failure, type Timeouts } from './retry.js';

const MAX_TOKEN_BYTES = 1024 * 1024;

export interface FetchedDocument {
  body: Buffer;
  contentType: string | undefined;
  /** Docker-Content-Digest, when the registry sent it. */
  digest: string | undefined;
}

type BodyReader = ReadableStreamDefaultReader<Uint8Array>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One try that failed in a way another try may not; the message names the cause. */
class TryFailure extends Error {
  constructor(readonly failure: Failure, message: string, readonly hint?: string) {
    super(message);
  }
}

/** Waits before the next try, or gives up with the cause and the number of tries. */
async function pauseOrGiveUp(err: unknown, tries: number, what: string): Promise<void> {
  if (!(err instanceof TryFailure)) throw err;
  const delay = retryDelayMs(err.failure, tries);
  if (delay === undefined) {
    throw new NookError(`${what}: ${err.message} (after ${tries} ${tries === 1 ? 'try' : 'tries'})`, err.hint === undefined ? {} : { hint: err.hint });
  }
  await sleep(delay);
}

export class RegistryClient {
  private readonly endpoints: Endpoint[];
  private readonly tokens = new Map<string, string>();
  /** by Endpoint.credentialsName: each host gets only what is stored for it */
  private readonly credentials = new Map<string, Credentials | undefined>();

  constructor(private readonly domain: string, settings: RegistrySettings, private readonly timeouts: Timeouts) {
    this.endpoints = endpointsFor(domain, settings);
  }

  async manifest(repo: string, reference: string, accept: string, maxBytes: number): Promise<FetchedDocument> {
    const { res, body } = await this.document(repo, `/v2/${repo}/manifests/${reference}`, { Accept: accept }, `manifest ${repo}:${reference}`, maxBytes);
    return { body, contentType: res.headers.get('content-type') ?? undefined, digest: res.headers.get('docker-content-digest') ?? undefined };
  }

  async smallBlob(repo: string, digest: string, maxBytes: number): Promise<Buffer> {
    return (await this.document(repo, `/v2/${repo}/blobs/${digest}`, {}, `blob ${digest}`, maxBytes)).body;
  }

  /**
   * A blob of `size` bytes as one stream, however many requests it takes: a try that breaks,
   * stalls or ends early is followed by one that resumes (Range) or starts over and skips what
   * was passed on. The caller verifies digest and size over the whole stream.
   */
  blobStream(repo: string, digest: string, size: number, what: string): Readable {
    return new BlobDownload((headers) => this.get(repo, `/v2/${repo}/blobs/${digest}`, headers, what), size, this.timeouts.idleMs, what);
  }

  /** A body that must fit in memory, fetched again when it breaks off. */
  private async document(repo: string, path: string, headers: Record<string, string>, what: string, maxBytes: number): Promise<{ res: Response; body: Buffer }> {
    for (let tries = 1; ; tries++) {
      const res = await this.get(repo, path, headers, what);
      try {
        return { res, body: await readBounded(res, maxBytes, `${what} of ${this.domain}/${repo}`, this.timeouts.idleMs) };
      } catch (err) {
        await pauseOrGiveUp(err, tries, what);
      }
    }
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

  /** Until the headers of a success: the headers' own failures are retried here. */
  private async getFrom(ep: Endpoint, repo: string, path: string, headers: Record<string, string>, what: string): Promise<Response> {
    const scope = `repository:${repo}:pull`;
    let authTried = false;
    for (let tries = 1; ; tries++) {
      const auth = this.tokens.get(`${ep.host} ${scope}`);
      try {
        const res = await fetchWithin(ep.base + path, { headers: { ...headers, ...(auth ? { Authorization: auth } : {}) }, redirect: 'follow' }, this.timeouts.headerMs, `registry ${ep.host}`, tlsHint(ep));
        if (res.status === 401 && !authTried) {
          authTried = true;
          await res.body?.cancel();
          await this.authenticate(ep, scope, res.headers.get('www-authenticate'));
          tries--;
          continue;
        }
        if (res.ok) return res;
        const detail = await errorDetail(res, this.timeouts.idleMs);
        if (isFinalStatus(res.status)) throw this.refusal(ep, repo, what, res.status, detail);
        throw new TryFailure({ kind: 'status', status: res.status, retryAfter: res.headers.get('retry-after') }, `registry ${ep.host} answered ${res.status}: ${detail}`);
      } catch (err) {
        await pauseOrGiveUp(err, tries, what);
      }
    }
  }

  private refusal(ep: Endpoint, repo: string, what: string, status: number, detail: string): NookError {
    if (status === 401 || status === 403) {
      return new NookError(`pull access denied for ${this.domain}/${repo}: ${detail}`, { hint: 'the repository does not exist or needs credentials (docker login / podman login)' });
    }
    if (status === 404) return new NookError(`${what} not found in ${this.domain}/${repo}: ${detail}`);
    return new NookError(`registry ${ep.host} answered ${status} for ${what}: ${detail}`);
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
    const init: RequestInit = sendCreds && creds?.identityToken
      ? {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.identityToken, service: ch.params['service'] ?? '', scope, client_id: 'nook' }),
      }
      : { headers: sendCreds && basic ? { Authorization: basic } : {} };
    const target = sendCreds && creds?.identityToken ? url.origin + url.pathname : url.href;
    let token: string | undefined;
    try {
      const res = await fetchWithin(target, init, this.timeouts.headerMs, `the token server ${url.host}`);
      if (!res.ok) throw new NookError(`token server ${url.host} refused (${res.status}): ${await errorDetail(res, this.timeouts.idleMs)}`, { hint: creds ? 'check your registry credentials' : 'log in with docker login or podman login' });
      const body = JSON.parse((await readBounded(res, MAX_TOKEN_BYTES, `the answer of token server ${url.host}`, this.timeouts.idleMs)).toString('utf8')) as { token?: string; access_token?: string };
      token = body.token ?? body.access_token;
    } catch (err) {
      if (err instanceof TryFailure) throw new NookError(err.message);
      if (err instanceof SyntaxError) throw new NookError(`token server ${url.host} sent something other than JSON`);
      throw err;
    }
    if (!token) throw new NookError(`token server ${url.host} sent no token`);
    this.tokens.set(`${ep.host} ${scope}`, `Bearer ${token}`);
  }

  private credentialsFor(ep: Endpoint): Credentials | undefined {
    if (!this.credentials.has(ep.credentialsName)) this.credentials.set(ep.credentialsName, findCredentials(ep.credentialsName));
    return this.credentials.get(ep.credentialsName);
  }
}

/** A blob's bytes in order across tries; see RegistryClient.blobStream. */
class BlobDownload extends Readable {
  /** bytes passed on downstream */
  private offset = 0;
  private tries = 0;
  /** false once the registry answered a Range request with a range it was not asked for */
  private rangeOk = true;
  private body: { reader: BodyReader; host: string; skip: number } | undefined;

  constructor(
    private readonly request: (headers: Record<string, string>) => Promise<Response>,
    private readonly size: number,
    private readonly idleMs: number,
    private readonly what: string,
  ) {
    super();
  }

  // Exactly one push per _read: Node asks again only after a push.
  override _read(): void {
    this.nextChunk().then((chunk) => {
      if (!this.destroyed) this.push(chunk);
    }, (err: unknown) => this.destroy(err as Error));
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.hangUp();
    cb(err);
  }

  private async nextChunk(): Promise<Buffer | null> {
    for (;;) {
      try {
        this.body ??= await this.open();
        const chunk = await this.takeChunk(this.body);
        if (chunk === null || chunk.length > 0) return chunk;
      } catch (err) {
        this.hangUp();
        if (this.destroyed) return null;
        await pauseOrGiveUp(err, this.tries, this.what);
      }
      if (this.destroyed) return null;
    }
  }

  private async open(): Promise<{ reader: BodyReader; host: string; skip: number }> {
    this.tries++;
    const res = await this.request(rangeHeader(this.rangeOk ? this.offset : 0));
    const host = new URL(res.url).host;
    const skip = resumeSkip(this.offset, res.status, res.headers.get('content-range'));
    if (skip === undefined) {
      await res.body?.cancel();
      this.rangeOk = false;
      throw new TryFailure({ kind: 'broken' }, `${host} answered a request for bytes ${this.offset}- with ${res.status} ${res.headers.get('content-range') ?? ''}`.trim());
    }
    if (!res.body) throw new TryFailure({ kind: 'short' }, `${host} sent no body`);
    return { reader: res.body.getReader() as BodyReader, host, skip };
  }

  /** The next bytes not yet passed on; null at the end of a whole blob. */
  private async takeChunk(body: { reader: BodyReader; host: string; skip: number }): Promise<Buffer | null> {
    const r = await readWithin(body.reader, this.idleMs, body.host);
    if (r.done) {
      if (this.offset < this.size) throw new TryFailure({ kind: 'short' }, `${body.host} ended the blob after ${this.offset} of ${this.size} bytes`);
      return null;
    }
    let chunk = Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
    const skipped = Math.min(body.skip, chunk.length);
    body.skip -= skipped;
    chunk = chunk.subarray(skipped);
    this.offset += chunk.length;
    return chunk;
  }

  private hangUp(): void {
    this.body?.reader.cancel().catch(() => undefined);
    this.body = undefined;
  }
}

/**
 * One request, not tried again, for a caller that only looks at the answer's status (login's
 * check): the client's time limit on the headers, its failures as one NookError.
 */
export async function fetchOnce(url: string, init: RequestInit, headerMs: number, who: string, hint: string): Promise<Response> {
  try {
    return await fetchWithin(url, init, headerMs, who, () => hint);
  } catch (err) {
    if (err instanceof TryFailure) throw new NookError(err.message, err.hint === undefined ? {} : { hint: err.hint });
    throw err;
  }
}

/** fetch with a time limit on the headers only; the body is read with readWithin. */
async function fetchWithin(url: string, init: RequestInit, headerMs: number, who: string, hint?: (err: unknown) => string | undefined): Promise<Response> {
  const ac = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ac.abort();
  }, headerMs);
  try {
    return await fetch(url, { ...init, signal: ac.signal });
  } catch (err) {
    if (timedOut) throw new TryFailure({ kind: 'no-answer' }, `${who} sent no answer within ${seconds(headerMs)}`);
    throw new TryFailure({ kind: 'unreachable' }, `cannot reach ${who}: ${causeOf(err)}`, hint?.(err));
  } finally {
    clearTimeout(timer);
  }
}

/** The next read of a body, given up after `idleMs` without a byte. */
async function readWithin(reader: BodyReader, idleMs: number, host: string): Promise<ReadableStreamReadResult<Uint8Array>> {
  let timer: NodeJS.Timeout | undefined;
  const idle = new Promise<'idle'>((resolve) => (timer = setTimeout(() => resolve('idle'), idleMs)));
  try {
    const r = await Promise.race([reader.read(), idle]);
    if (r !== 'idle') return r;
    reader.cancel().catch(() => undefined);
    throw new TryFailure({ kind: 'idle' }, `no data from ${host} for ${seconds(idleMs)}`);
  } catch (err) {
    if (err instanceof TryFailure) throw err;
    throw new TryFailure({ kind: 'broken' }, `the connection to ${host} broke: ${causeOf(err)}`);
  } finally {
    clearTimeout(timer);
  }
}

const seconds = (ms: number) => `${ms / 1000} s`;

/** ECONNRESET and the like by their code; undici's own errors (UND_ERR_*) by their message. */
function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code?.startsWith('UND_ERR') ? undefined : cause?.code;
  return code ?? cause?.message ?? (err as Error).message;
}

function tlsHint(ep: Endpoint): (err: unknown) => string | undefined {
  return (err) => {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return ep.base.startsWith('https:') && /EPROTO|SSL|TLS|wrong version/i.test(`${cause?.code} ${cause?.message}`)
      ? `if it serves plain http, list it in the config's registries.insecure`
      : undefined;
  };
}

async function errorDetail(res: Response, idleMs: number): Promise<string> {
  const text = await readBounded(res, 64 * 1024, 'an error answer', idleMs).then((b) => b.toString('utf8'), () => '');
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
async function readBounded(res: Response, max: number, what: string, idleMs: number): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) throw new NookError(`${what} is ${declared} bytes, more than the ${max} allowed`);
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader() as BodyReader;
  const host = new URL(res.url).host;
  const parts: Buffer[] = [];
  let n = 0;
  try {
    for (;;) {
      const r = await readWithin(reader, idleMs, host);
      if (r.done) return Buffer.concat(parts);
      n += r.value.byteLength;
      if (n > max) throw new NookError(`${what} is more than the ${max} bytes allowed`);
      parts.push(Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength));
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}
