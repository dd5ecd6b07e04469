// One error type for everything nook reports to a user: a one-line message, the exit code
// Docker would use, and an optional hint naming the fix. Mapped to output once, in cli/main.ts.
import { terminalSafe } from './util/terminal-text.js';

export const EXIT = {
  /** nook's own failure (bad flag, bad image, launcher error) */
  nook: 125,
  /** the command exists but cannot be invoked */
  cannotInvoke: 126,
  /** the command was not found inside the container */
  notFound: 127,
} as const;

export class NookError extends Error {
  readonly exitCode: number;
  readonly hint: string | undefined;
  constructor(message: string, opts: { exitCode?: number; hint?: string } = {}) {
    super(message);
    this.name = 'NookError';
    this.exitCode = opts.exitCode ?? EXIT.nook;
    this.hint = opts.hint;
  }
}

/** Throws a NookError; for one-line user errors. */
export function fail(message: string, hint?: string): never {
  throw new NookError(message, hint === undefined ? {} : { hint });
}

/**
 * The text printed for an error: never a stack trace for a NookError, never a control
 * character (messages quote registries, image files and archives).
 */
export function formatError(err: unknown): { text: string; exitCode: number } {
  const { text, exitCode } = errorText(err);
  return { text: terminalSafe(text), exitCode };
}

function errorText(err: unknown): { text: string; exitCode: number } {
  if (err instanceof NookError) {
    const text = err.hint ? `nook: ${err.message} (${err.hint})` : `nook: ${err.message}`;
    return { text, exitCode: err.exitCode };
  }
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e.code === 'string' && typeof e.message === 'string') {
    // A system error that escaped a module: still one line, never a trace.
    return { text: `nook: ${e.message}`, exitCode: EXIT.nook };
  }
  const trace = err instanceof Error ? (err.stack ?? err.message) : String(err);
  return { text: `nook: internal error: ${trace}`, exitCode: EXIT.nook };
}
