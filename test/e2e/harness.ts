// What the end-to-end suites use to drive the real CLI: run it (`nook`), run host tools
// (`hostRun`), drive it under a real terminal (`Terminal`, through tmux), and check that
// nothing the test user owns is left running (`leftoverProcesses`). No mocks: NOOK_BIN is
// the built bundle, and the suites run as an unprivileged user (see test/run.mjs).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { constants, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export interface Result {
  /** the exit code, or 128 + the signal number when the process was killed by a signal */
  code: number;
  /** the signal that killed the process itself, if one did */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  env?: Record<string, string>;
  /** the working directory (the project config is looked up from it) */
  cwd?: string;
  timeoutMs?: number;
  /** extra stdio entries after 0, 1, 2 (e.g. an open fd that must not reach the container) */
  extraFds?: Array<'pipe' | 'ignore' | number>;
}

export interface Running {
  pid: number;
  result: Promise<Result>;
}

export function nookBin(): string {
  const bin = process.env['NOOK_BIN'];
  if (!bin) throw new Error('NOOK_BIN is not set: run the suites through `node test/run.mjs`');
  return bin;
}

/** Starts `cmd args` without waiting; the process is killed (with its group) on timeout. */
export function start(cmd: string, args: string[], opts: RunOptions = {}): Running {
  const child = spawn(cmd, args, {
    env: { ...process.env, ...opts.env },
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
    stdio: ['pipe', 'pipe', 'pipe', ...(opts.extraFds ?? [])],
    detached: true,
  });
  const result = new Promise<Result>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      reject(new Error(`timed out after ${timeoutMs} ms: ${cmd} ${args.join(' ')}\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const signo = signal ? constants.signals[signal] : 0;
      resolve({ code: code ?? 128 + signo, signal, stdout, stderr });
    });
  });
  child.stdin!.on('error', () => {
    // the process may exit without reading its input
  });
  child.stdin!.end(opts.input ?? '');
  return { pid: child.pid!, result };
}

/** Runs the nook CLI (`node $NOOK_BIN ...args`) and waits for it. */
export function nook(args: string[], opts: RunOptions = {}): Promise<Result> {
  return start(process.execPath, [nookBin(), ...args], opts).result;
}

/** Starts the nook CLI without waiting (for signal tests). */
export function startNook(args: string[], opts: RunOptions = {}): Running {
  return start(process.execPath, [nookBin(), ...args], opts);
}

/** Runs a host command and waits for it. */
export function hostRun(cmd: string, args: string[], opts: RunOptions = {}): Promise<Result> {
  return start(cmd, args, opts).result;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

function quote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * A real terminal: the command runs in a detached tmux session on a private socket, keys are
 * typed with send-keys (so Ctrl-C is the terminal's own interrupt), the screen is read back.
 */
export class Terminal {
  private constructor(private readonly dir: string) {}

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-S', join(this.dir, 'sock'), ...args], { encoding: 'utf8' });
  }

  static start(argv: string[], size = { columns: 100, rows: 30 }): Terminal {
    const dir = mkdtempSync(join(tmpdir(), 'nook-tty-'));
    // remain-on-exit keeps the pane after the command ends, so its exit status can be read.
    writeFileSync(join(dir, 'tmux.conf'), 'set -g remain-on-exit on\nset -g history-limit 5000\n');
    const term = new Terminal(dir);
    // The exit status is printed by a wrapper shell: tmux 3.3a (Debian 12) leaves
    // #{pane_dead_status} empty for every status but 0.
    const wrapped = `${argv.map(quote).join(' ')}; printf '\\n[exit %d]\\n' $?`;
    execFileSync('tmux', ['-S', join(dir, 'sock'), '-f', join(dir, 'tmux.conf'), 'new-session', '-d', '-s', 't',
      '-x', String(size.columns), '-y', String(size.rows), wrapped]);
    return term;
  }

  /** Starts the nook CLI in the terminal. */
  static nook(args: string[]): Terminal {
    return Terminal.start([process.execPath, nookBin(), ...args]);
  }

  /** Types text literally, then Enter. */
  typeLine(text: string): void {
    this.tmux('send-keys', '-t', 't', '-l', text);
    this.tmux('send-keys', '-t', 't', 'Enter');
  }

  /** Presses a key by tmux's name for it (C-c, C-d, Enter ...). */
  press(key: string): void {
    this.tmux('send-keys', '-t', 't', key);
  }

  /** The whole screen and scroll-back, trailing blanks trimmed. */
  screen(): string {
    return this.tmux('capture-pane', '-p', '-t', 't', '-S', '-5000').replace(/\s+$/, '');
  }

  /** Waits until the screen matches `pattern`. */
  async waitForScreen(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
    try {
      return await waitFor(`${pattern} on the terminal`, () => {
        const s = this.screen();
        return pattern.test(s) ? s : undefined;
      }, timeoutMs);
    } catch (err) {
      throw new Error(`${(err as Error).message}; the screen was:\n${this.screen()}`);
    }
  }

  /** Waits until the command has ended; its exit status (128 + N for a signal, as sh says). */
  async waitForExit(timeoutMs = 10_000): Promise<number> {
    const screen = await this.waitForScreen(/\[exit \d+\]/, timeoutMs);
    return Number(/\[exit (\d+)\]/.exec(screen)![1]);
  }

  close(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // the server already ended
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface ProcessInfo {
  pid: number;
  ppid: number;
  uid: number;
  cmd: string;
}

/** Every live (not zombie) process on the host, read from /proc. */
export function processes(): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      // A zombie has ended; only its reaping is pending.
      if (/^State:\s+Z/m.test(status)) continue;
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      found.push({
        pid: Number(entry),
        ppid: Number(status.match(/^PPid:\s+(\d+)/m)?.[1]),
        uid: Number(status.match(/^Uid:\s+(\d+)/m)?.[1]),
        cmd,
      });
    } catch {
      // the process ended while being read
    }
  }
  return found;
}

export interface IdRange {
  start: number;
  count: number;
}

/** The user's first range in /etc/subuid or /etc/subgid, if it has one. */
export function subIdRange(file: '/etc/subuid' | '/etc/subgid', user = userInfo()): IdRange | undefined {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const [owner, start, count] = line.split(':');
    if (owner === user.username || owner === String(user.uid)) return { start: Number(start), count: Number(count) };
  }
  return undefined;
}

/** Processes running as this user or as one of its subordinate uids (container users). */
export function processesOf(user = userInfo()): ProcessInfo[] {
  const sub = subIdRange('/etc/subuid', user);
  return processes().filter((p) => p.uid === user.uid || (sub !== undefined && p.uid >= sub.start && p.uid < sub.start + sub.count));
}

/** This test process and everything it started that is still its descendant. */
function selfAndDescendants(all: ProcessInfo[]): Set<number> {
  const mine = new Set([process.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) {
      if (!mine.has(p.pid) && mine.has(p.ppid)) {
        mine.add(p.pid);
        grew = true;
      }
    }
  }
  return mine;
}

/**
 * The user's processes that are neither this test process, its children, nor in `baseline`
 * (what was running before the suite): anything else was left behind by nook. Waits up to
 * `graceMs` for them to go, since a container's last processes may take a moment to exit.
 */
export async function leftoverProcesses(baseline: Set<number>, graceMs = 3_000): Promise<ProcessInfo[]> {
  const deadline = Date.now() + graceMs;
  for (;;) {
    const all = processes();
    const mine = selfAndDescendants(all);
    const uid = userInfo().uid;
    const sub = subIdRange('/etc/subuid');
    const left = all.filter((p) => !mine.has(p.pid) && !baseline.has(p.pid)
      && (p.uid === uid || (sub !== undefined && p.uid >= sub.start && p.uid < sub.start + sub.count)));
    if (left.length === 0 || Date.now() > deadline) return left;
    await sleep(100);
  }
}

/** The pids of this user's processes now, for `leftoverProcesses`. */
export function processBaseline(): Set<number> {
  return new Set(processesOf().map((p) => p.pid));
}
