// `nook serve --stdio` (or --socket, serve-socket.ts): one request a line in, one answer a line out (docs/serve.md), boxes
// run side by side up to a cap. Answers come as boxes end, not in request order: each carries
// its request's id. The config and the compiled seccomp programs are kept between runs
// (KeptBetweenRuns); each box is a judge-mode run of its own (own container, own
// process-counting namespace for `procs`, own scratch), so one box's end says nothing about
// another's.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { ServeFlags } from '../flags/serve.js';
import { fail, NookError } from '../../errors.js';
import { runtimeDir } from '../../paths.js';
import { outputField, parseRequestLine, type RequestId, type ServeRun } from '../../core/serve-protocol.js';
import { startServedBox, type KeptBetweenRuns } from './run.js';
import { onStopSignal, serveOnSocket } from './serve-socket.js';

/** A request line longer than this is answered with an error and skipped, not buffered. */
const MAX_LINE = 64 * 1024 * 1024;

type Answer = { id: RequestId; error: string } | { id: RequestId; result: unknown; stdout: unknown; stderr: unknown };

export async function serve(flags: ServeFlags): Promise<number> {
  if (!flags.stdio === (flags.socket === undefined)) fail('nook serve needs one of --stdio and --socket', 'nook serve --stdio, or nook serve --socket [PATH] (the protocol: docs/serve.md)');
  const cap = flags.concurrency === undefined ? availableParallelism() : Number(flags.concurrency);
  if (!Number.isInteger(cap) || cap < 1) fail(`invalid --concurrency "${flags.concurrency}"`, 'give a positive number of boxes');
  const boxes = scheduler(cap);
  if (flags.stdio) {
    // SIGINT or SIGTERM: passed to every box (as `run` does), the rest refused; ends once all have answered
    const stopped = new Promise<void>((done) => onStopSignal((sig) => {
      boxes.stop(sig);
      process.stdin.destroy();
      done();
    }));
    await Promise.race([stopped, new Promise<void>((done) => session(process.stdin, (line) => process.stdout.write(line), boxes, done))]);
    await boxes.idle();
    return 0;
  }
  const { signal, disconnect } = await serveOnSocket(flags.socket === true ? undefined : flags.socket, (socket) => session(socket, (line) => socket.writable && socket.write(line), boxes, () => socket.end()));
  boxes.stop(signal);
  await boxes.idle();
  disconnect();
  return 0;
}

/** The boxes of every session, run up to `cap` at once, in the order asked. */
function scheduler(cap: number): { submit: (run: ServeRun, answer: (a: Answer) => void) => void; idle: () => Promise<void>; stop: (sig: NodeJS.Signals) => void } {
  const kept: KeptBetweenRuns = { programs: new Map(), notices: new Set() };
  const queue: { run: ServeRun; answer: (a: Answer) => void }[] = [];
  const live = new Set<ChildProcess>();
  let stopping = false;
  let running = 0;
  let waiting: (() => void)[] = [];
  const pump = () => {
    while (running < cap && queue.length > 0) {
      const { run, answer } = queue.shift()!;
      running++;
      void serveOne(run, kept, live).then(answer, (e: unknown) => answer({ id: run.id, error: `internal error: ${(e as Error).message}` })).finally(() => {
        running--;
        pump();
      });
    }
    if (running === 0 && queue.length === 0) {
      for (const w of waiting) w();
      waiting = [];
    }
  };
  return {
    submit: (run, answer) => {
      if (stopping) return answer({ id: run.id, error: 'the server is stopping' });
      queue.push({ run, answer });
      pump();
    },
    stop: (sig) => {
      stopping = true;
      for (const { run, answer } of queue.splice(0)) answer({ id: run.id, error: 'the server is stopping' });
      // each launcher passes it to its box
      for (const child of live) child.kill(sig);
      pump();
    },
    idle: () => (running === 0 && queue.length === 0 ? Promise.resolve() : new Promise<void>((r) => waiting.push(r))),
  };
}

/** One client's lines: each request answered on `write`; `ended` once its input ends and its boxes have answered. */
function session(input: Readable, write: (line: string) => void, boxes: ReturnType<typeof scheduler>, ended: () => void): void {
  let open = 0;
  let inputDone = false;
  const answer = (a: Answer) => write(JSON.stringify(a) + '\n');
  const settle = () => inputDone && open === 0 && ended();
  readLines(input, (line) => {
    if (line.trim() === '') return;
    const parsed = parseRequestLine(line);
    if (!parsed.ok) return answer({ id: parsed.id, error: parsed.error });
    open++;
    boxes.submit(parsed.run, (a) => {
      answer(a);
      open--;
      settle();
    });
  }, () => answer({ id: null, error: `malformed request: a line longer than ${MAX_LINE} bytes` }), () => {
    inputDone = true;
    settle();
  });
}

/** Calls `onLine` for each line of `input`; a line past MAX_LINE is dropped (`onTooLong`) up to its newline. */
function readLines(input: Readable, onLine: (line: string) => void, onTooLong: () => void, onEnd: () => void): void {
  let parts: Buffer[] = [];
  let size = 0;
  let skipping = false;
  input.on('data', (chunk: Buffer) => {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      if (!skipping) onLine(Buffer.concat([...parts, chunk.subarray(start, nl)]).toString('utf8'));
      parts = [];
      size = 0;
      skipping = false;
      start = nl + 1;
    }
    if (skipping) return;
    size += chunk.length - start;
    if (size > MAX_LINE) {
      parts = [];
      size = 0;
      skipping = true;
      onTooLong();
    } else {
      parts.push(chunk.subarray(start));
    }
  });
  input.on('end', () => {
    if (!skipping && size > 0) onLine(Buffer.concat(parts).toString('utf8'));
    onEnd();
  });
}

/** One box: its files placed in a fresh scratch, run, its answer; the scratch removed after. */
async function serveOne(run: ServeRun, kept: KeptBetweenRuns, live: Set<ChildProcess>): Promise<Answer> {
  const scratch = run.files.length > 0 ? placeFiles(run.files) : undefined;
  try {
    const { child, ended } = await startServedBox(run, scratch, kept);
    live.add(child);
    void ended.finally(() => live.delete(child));
    const stdin = child.stdio[0] as Writable | null;
    if (stdin) {
      // a box that exits without reading its input closes the pipe under us
      stdin.on('error', () => undefined);
      stdin.end(run.stdin);
    }
    const out = collect(child.stdio[1] as Readable);
    const err = collect(child.stdio[2] as Readable);
    const { record } = await ended;
    return { id: run.id, result: record, stdout: outputField(Buffer.concat(out)), stderr: outputField(Buffer.concat(err)) };
  } catch (e) {
    if (e instanceof NookError) return { id: run.id, error: e.message };
    throw e;
  } finally {
    if (scratch !== undefined) removeScratch(scratch);
  }
}

/** Best effort: what the box left that nook cannot remove stays (and is named), the answer stands. */
function removeScratch(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch (e) {
    process.stderr.write(`nook: notice: cannot remove the scratch directory ${dir}: ${(e as Error).message}\n`);
  }
}

function collect(stream: Readable): Buffer[] {
  const parts: Buffer[] = [];
  stream.on('data', (b: Buffer) => parts.push(b));
  return parts;
}

/**
 * A run's scratch directory in nook's runtime dir (only the user can enter it), holding the
 * request's files; the paths were checked relative (core/serve-protocol.ts), and the directory
 * is new, so nothing is written outside it.
 */
function placeFiles(files: ServeRun['files']): string {
  const base = join(runtimeDir(), 'serve');
  mkdirSync(base, { recursive: true, mode: 0o700 });
  // readable whatever uid the box's command runs as (the image's USER may be a subordinate id)
  const dir = mkdtempSync(join(base, 'box-'));
  try {
    // modes set explicitly: the user's umask may be 077
    chmodSync(dir, 0o755);
    for (const f of files) {
      const parts = f.path.split('/');
      for (let i = 1; i < parts.length; i++) {
        const sub = join(dir, ...parts.slice(0, i));
        mkdirSync(sub, { recursive: true });
        chmodSync(sub, 0o755);
      }
      const path = join(dir, f.path);
      writeFileSync(path, f.content, { flag: 'wx' });
      chmodSync(path, 0o644);
    }
    return dir;
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
