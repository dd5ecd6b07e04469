// The effects the checks share: run a program and collect its output (never throwing: a probe's
// failure is a finding), and find a program on PATH.
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';

export interface ProbeResult {
  /** the exit code, or null when the program could not start or was killed */
  code: number | null;
  stdout: string;
  stderr: string;
  /** why it could not start (ENOENT, EACCES) or was killed (timeout) */
  error?: string;
}

export function runProbe(file: string, args: string[], timeoutMs = 5000): Promise<ProbeResult> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (!err) return resolve({ code: 0, stdout, stderr });
      const e = err as NodeJS.ErrnoException & { code?: string | number; killed?: boolean };
      if (typeof e.code === 'number') return resolve({ code: e.code, stdout, stderr });
      const why = e.killed ? `timed out after ${timeoutMs} ms` : String(e.code ?? e.message);
      resolve({ code: null, stdout, stderr, error: why });
    });
  });
}

/** The first executable `name` on PATH (plus the sbin dirs, which a user's PATH often lacks). */
export function findProgram(name: string): string | null {
  const dirs = [...(process.env['PATH'] ?? '').split(':'), '/usr/sbin', '/sbin'].filter((d) => d.startsWith('/'));
  for (const dir of new Set(dirs)) {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return null;
}
