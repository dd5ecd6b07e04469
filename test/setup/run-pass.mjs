// Runs one uvu pass as a child process: its output goes through to ours and is also kept
// for the summary. A pass that hangs is killed with its whole process group.
import { spawn } from 'node:child_process';
import { parseUvuSummary } from './uvu-summary.mjs';

/**
 * @param {{ label: string, command: string, args: string[], cwd: string,
 *           env: NodeJS.ProcessEnv, timeoutMs: number }} pass
 * @returns {Promise<{ passed: number, failed: number, skipped: number, failures: string[] }>}
 */
export function runPass({ label, command, args, cwd, env, timeoutMs }) {
  process.stdout.write(`\n== ${label}\n`);
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      process.stdout.write(chunk);
    });
    child.stderr.on('data', (chunk) => process.stderr.write(chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutMs);
    let finished = false;
    const finish = (code, signal, spawnError) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      const summary = parseUvuSummary(out);
      const result = summary
        ? { passed: summary.passed, failed: summary.failed, skipped: summary.skipped, failures: [...summary.failures] }
        : { passed: 0, failed: 0, skipped: 0, failures: [] };
      const named = result.failures.length;
      if (result.failed > named) {
        result.failures.push(`${label}: ${result.failed - named} test(s) failed without a message (a before/after hook threw?)`);
      }
      const how = spawnError ? spawnError.message : signal ? `signal ${signal}` : `exit code ${code}`;
      if (timedOut) {
        result.failed += 1;
        result.failures.push(`${label}: killed after ${Math.round(timeoutMs / 1000)} s (a test hangs)`);
      } else if (!summary) {
        result.failed += 1;
        result.failures.push(`${label}: crashed (${how}) before uvu printed its summary`);
      } else if (code !== 0 && result.failed === 0) {
        result.failed += 1;
        result.failures.push(`${label}: ended with ${how} although every test passed`);
      }
      resolve(result);
    };
    child.on('error', (err) => finish(null, null, err));
    child.on('close', (code, signal) => finish(code, signal, null));
  });
}
