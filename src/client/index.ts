// The Node client of `nook serve` (docs/serve.md): `openSandbox` starts `nook serve --stdio`
// once (or connects to a `nook serve --socket`), `run` sends a request line and resolves with
// its answer, `close` ends the server (or the connection) after the runs in flight. Bundled to dist/client.mjs, exported as `nook/client`.
import { spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { ResultRecord } from '../core/judge-plan.js';

/** `--limits`' keys: seconds for time, wall and extra; bytes (or "256M") for the sizes. */
export interface Limits {
  time?: number; wall?: number; extra?: number;
  mem?: number | string; fsize?: number | string; output?: number | string; stack?: number | string;
  procs?: number; files?: number;
}

export interface SandboxOptions {
  /** the image every run uses unless it names its own (pulled beforehand: serve never pulls) */
  image: string;
  /** boxes run at once (default: the server's CPU count) */
  concurrency?: number;
  /** how to start nook (default: this package's own, with this Node) */
  nook?: string[];
  /** a running `nook serve --socket` to connect to, instead of starting one */
  socket?: string;
  /** the server's stderr (notices, its own failures): inherited unless 'ignore' */
  stderr?: 'inherit' | 'ignore';
}

export interface RunRequest {
  cmd: string[];
  image?: string;
  /** placed in the box under /box (paths absolute, inside /box) */
  files?: Record<string, string | Uint8Array>;
  stdin?: string | Uint8Array;
  limits?: Limits;
  env?: Record<string, string>;
  /** default: /box when files are given, else the image's */
  workdir?: string;
}

export interface RunResult {
  /** the record `nook run --result` writes */
  result: ResultRecord;
  /** text when the output was UTF-8, else its bytes; truncated at `output` */
  stdout: string | Buffer;
  stderr: string | Buffer;
}

export interface Sandbox {
  run(request: RunRequest): Promise<RunResult>;
  /** ends the server once the runs in flight have answered */
  close(): Promise<void>;
}

type Wire = string | { base64: string };
interface Answer { id: number | null; error?: string; result?: ResultRecord; stdout?: Wire; stderr?: Wire }

const wire = (v: string | Uint8Array): Wire => (typeof v === 'string' ? v : { base64: Buffer.from(v).toString('base64') });
const unwire = (v: Wire | undefined): string | Buffer => (v === undefined ? '' : typeof v === 'string' ? v : Buffer.from(v.base64, 'base64'));

export async function openSandbox(options: SandboxOptions): Promise<Sandbox> {
  const { input, output, ended } = options.socket !== undefined ? connect(options.socket) : start(options);
  const pending = new Map<number, { resolve: (r: RunResult) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let gone: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    const end = (why: string) => {
      gone ??= new Error(`nook serve ${why}`);
      for (const p of pending.values()) p.reject(gone);
      pending.clear();
      resolve();
    };
    void ended.then(end);
  });
  let buffered = '';
  output.setEncoding('utf8').on('data', (s: string) => {
    buffered += s;
    for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
      const answer = JSON.parse(buffered.slice(0, nl)) as Answer;
      buffered = buffered.slice(nl + 1);
      // a line for no request: the server refusing the connection
      if (answer.id === null) {
        if (answer.error !== undefined) gone ??= new Error(`nook serve: ${answer.error}`);
        continue;
      }
      const p = pending.get(answer.id);
      if (!p) continue;
      pending.delete(answer.id);
      if (answer.error !== undefined) p.reject(new Error(answer.error));
      else p.resolve({ result: answer.result!, stdout: unwire(answer.stdout), stderr: unwire(answer.stderr) });
    }
  });
  input.on('error', () => undefined);
  return {
    run(request) {
      if (gone) return Promise.reject(gone);
      const id = nextId++;
      const line = {
        id, op: 'run', image: request.image ?? options.image, cmd: request.cmd,
        ...(request.files ? { files: Object.fromEntries(Object.entries(request.files).map(([k, v]) => [k, wire(v)])) } : {}),
        ...(request.stdin !== undefined ? { stdin: wire(request.stdin) } : {}),
        ...(request.limits ? { limits: request.limits } : {}),
        ...(request.env ? { env: request.env } : {}),
        ...(request.workdir !== undefined ? { workdir: request.workdir } : {}),
      };
      return new Promise<RunResult>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        input.write(JSON.stringify(line) + '\n');
      });
    },
    async close() {
      input.end();
      await exited;
    },
  };
}

interface Channel { input: Writable; output: Readable; ended: Promise<string> }

/** `nook serve --stdio` as a child; `ended` says how it ended. */
function start(options: SandboxOptions): Channel {
  const [cmd, ...args] = options.nook ?? [process.execPath, fileURLToPath(new URL('./nook.cjs', import.meta.url))];
  const child = spawn(cmd!, [...args, 'serve', '--stdio', ...(options.concurrency !== undefined ? ['--concurrency', String(options.concurrency)] : [])], {
    stdio: ['pipe', 'pipe', options.stderr ?? 'inherit'],
  });
  const ended = new Promise<string>((resolve) => {
    child.on('error', (e) => resolve(`could not start: ${e.message}`));
    child.on('close', (code, signal) => resolve(`ended (${signal ?? code})`));
  });
  return { input: child.stdin, output: child.stdout, ended };
}

/** A connection to `nook serve --socket PATH`. */
function connect(path: string): Channel {
  const socket = createConnection({ path, allowHalfOpen: true });
  const ended = new Promise<string>((resolve) => {
    socket.on('error', (e) => resolve(`connection failed: ${e.message}`));
    socket.on('close', () => resolve('closed the connection'));
  });
  return { input: socket, output: socket, ended };
}
