// `nook top`: the host's ps over the container's processes (those in its pid namespace),
// filtered by the PID column as Docker does.
import { execFileSync } from 'node:child_process';
import { containerProcesses } from '../../containers/processes.js';
import { entryPid, resolveContainer } from '../../containers/state.js';
import { NookError } from '../../errors.js';

export async function top(ref: string, psOptions: string[]): Promise<number> {
  const c = resolveContainer(ref);
  if (!c.state.running || c.state.restarting) throw new NookError(`Container ${c.id} is not running`);
  const pids = new Set(containerProcesses(entryPid(c)).map(String));
  const args = psOptions.length > 0 ? psOptions : ['-ef'];
  let out: string;
  try {
    out = execFileSync('ps', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new NookError(`ps ${args.join(' ')} failed: ${(e.stderr ?? e.message).trim().split('\n')[0]}`);
  }
  const [header = '', ...lines] = out.replace(/\n$/, '').split('\n');
  const pidIndex = header.trim().split(/\s+/).indexOf('PID');
  if (pidIndex < 0) throw new NookError(`Couldn't find PID field in ps output`, { hint: 'keep the pid column in the ps options' });
  const mine = lines.filter((l) => pids.has(l.trim().split(/\s+/)[pidIndex] ?? ''));
  process.stdout.write([header, ...mine].map((l) => l + '\n').join(''));
  return 0;
}
