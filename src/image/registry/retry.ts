// When a registry request is tried again, and how a blob download resumes. Pure: the client
// (client.ts) classifies what went wrong, asks here, and carries the answer out.

/** How long a registry may take, from the config's limits. */
export interface Timeouts {
  /** from sending a request to its response headers */
  headerMs: number;
  /** between two bytes of a body, while nook is waiting for one (never the whole body) */
  idleMs: number;
}

/**
 * Tries of one request until its headers, and of one download's body (a document or a blob):
 * each body try asks again through the header loop, so a download may make up to TRIES x TRIES
 * requests in the worst case, and the error names the loop that gave up.
 */
export const TRIES = 4;
const BACKOFF_MS = [250, 1000, 3000];
/** A Retry-After longer than this is not waited for in full. */
const MAX_RETRY_AFTER_MS = 30_000;

export type Failure =
  /** an HTTP answer that is not a success */
  | { kind: 'status'; status: number; retryAfter: string | null }
  /** no connection, no headers in time, a connection broken mid-body, no byte in time, a body cut short */
  | { kind: 'unreachable' | 'no-answer' | 'broken' | 'idle' | 'short' };

/**
 * The pause before the next try, or undefined when `tries` were enough or the failure is the
 * registry's final word (a 4xx other than 408 and 429: asking again gets the same answer).
 */
export function retryDelayMs(f: Failure, tries: number, now = Date.now()): number | undefined {
  if (tries >= TRIES) return undefined;
  const backoff = BACKOFF_MS[Math.min(tries, BACKOFF_MS.length) - 1]!;
  if (f.kind !== 'status') return backoff;
  if (isFinalStatus(f.status)) return undefined;
  return f.status === 429 ? retryAfterMs(f.retryAfter, now) ?? backoff : backoff;
}

/** An error status that another try would only repeat. */
export function isFinalStatus(status: number): boolean {
  return status < 500 && status !== 408 && status !== 429;
}

/** Retry-After in seconds or as an HTTP date, capped so a pull never sleeps for hours. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const text = header.trim();
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - now;
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, MAX_RETRY_AFTER_MS) : undefined;
}

/** The Range header for a try that already has `offset` bytes of the blob. */
export function rangeHeader(offset: number): Record<string, string> {
  return offset > 0 ? { Range: `bytes=${offset}-` } : {};
}

/**
 * How to read the answer to a try that already has `offset` bytes: skip this many bytes of its
 * body first. A 206 from `offset` continues the blob; a 200 is the whole blob again (the registry
 * ignores Range), whose first `offset` bytes were already passed on; a 206 from anywhere else is
 * unusable (undefined): the next try then asks without Range.
 */
export function resumeSkip(offset: number, status: number, contentRange: string | null): number | undefined {
  if (status === 200) return offset;
  if (status !== 206 || offset === 0) return undefined;
  const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(contentRange?.trim() ?? '');
  return m && Number(m[1]) === offset ? 0 : undefined;
}
