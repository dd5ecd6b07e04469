// Starts the unpack worker where it can give files the image's owners: inside a user namespace
// with the containers' mapping (the launcher's job), or directly when nook runs as real root.
import { spawn, type ChildProcess, type IOType } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { installDir } from '../paths.js';
import { NookError } from '../errors.js';
import { spawnInUserNamespace } from '../launcher/userns.js';

/** dist/unpack-worker.mjs sits beside the bundle (scripts/build.mjs). */
export function workerScript(): string {
  const p = process.env['NOOK_UNPACK_WORKER'] ?? join(installDir(), 'unpack-worker.mjs');
  if (!existsSync(p)) throw new NookError(`the unpack worker ${p} is missing`, { hint: 'rebuild nook (npm run build) or reinstall it' });
  return p;
}

/** `io` is the worker's fds 0-1; its stderr is a pipe, read by workerDone. */
export function startWorker(args: string[], io: [IOType, IOType]): ChildProcess {
  const argv = [process.execPath, workerScript(), ...args];
  if (process.getuid?.() === 0) return spawn(argv[0]!, argv.slice(1), { stdio: [...io, 'pipe'] });
  return spawnInUserNamespace(argv, io).child;
}

export interface WorkerResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  notes: string[];
  error: string | undefined;
  /** `unpack`: the layer's size with the holes of its sparse files */
  size: number | undefined;
}

/** Collects the worker's protocol lines from stderr and waits for its exit. */
export function workerDone(child: ChildProcess): Promise<WorkerResult> {
  const notes: string[] = [];
  let error: string | undefined;
  let size: number | undefined;
  let pending = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (s: string) => {
    pending += s;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const l of lines) {
      if (l.startsWith('note: ')) notes.push(l.slice(6));
      else if (l.startsWith('error: ')) error = l.slice(7);
      else if (/^size: \d+$/.test(l)) size = Number(l.slice(6));
      else if (l.trim() !== '') error ??= l;
    }
  });
  return new Promise((resolve, reject) => {
    child.on('error', (err) => reject(new NookError(`cannot start the unpack worker: ${err.message}`)));
    child.on('close', (code, signal) => resolve({ code, signal, notes, error, size }));
  });
}

/** Removes store paths whose files may belong to subordinate ids (only root in the namespace can). */
export async function removeInNamespace(paths: string[]): Promise<void> {
  if (paths.length === 0) return;
  const child = startWorker(['remove', ...paths], ['ignore', 'ignore']);
  const r = await workerDone(child);
  if (r.code !== 0) throw new NookError(`cannot remove ${paths[0]}${paths.length > 1 ? ` and ${paths.length - 1} more` : ''}: ${r.error ?? `worker exit ${r.code ?? r.signal}`}`);
}

/** The copy driver's root: the layers (bottom first) copied into `target` with their owners. */
export async function flattenInNamespace(target: string, layers: string[]): Promise<void> {
  const child = startWorker(['flatten', target, ...layers], ['ignore', 'ignore']);
  const r = await workerDone(child);
  if (r.code !== 0) throw new NookError(`cannot copy the image's layers into ${target}: ${r.error ?? `worker exit ${r.code ?? r.signal}`}`);
}
