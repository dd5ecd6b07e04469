// `nook exec`: joins a running container through the launcher (pidfd + start time, so a
// recycled pid is never entered), then becomes the launcher as `run` does.
import type { ExecFlags } from '../flags/exec.js';
import { fail } from '../../errors.js';
import { launcherPath } from '../../paths.js';
import { entryProcess, resolveContainer } from '../../containers/state.js';
import { recordedProcess } from '../../containers/record.js';
import { planExec } from '../../core/exec-plan.js';
import { parseEnvEntry } from '../../core/env.js';
import { resolveUser } from '../../core/users.js';
import { readTextInRoot } from '../../rootfs/read-in-root.js';
import { encodeDirectives } from '../../core/directives.js';

export async function exec(ref: string, command: string[], flags: ExecFlags): Promise<number> {
  const c = resolveContainer(ref);
  const target = c.state.status === 'running' || c.state.status === 'paused' ? entryProcess(c) : undefined;
  if (!target) fail(`container ${c.id} is not running`);
  const { pid, startTicks } = target;
  if (c.state.status === 'paused') fail(`container ${c.id} is paused, unpause the container before exec`);
  const container = recordedProcess(c.config);
  if (!container) fail(`container ${c.config.name} has no launch plan`, 'it was created by an older nook');
  const root = `/proc/${pid}/root`;
  const user = flags.user === undefined ? undefined : resolveUser(flags.user, readTextInRoot(root, '/etc/passwd') ?? '', readTextInRoot(root, '/etc/group') ?? '');
  const env = (flags.env ?? []).map((e) => parseEnvEntry(e, process.env)).filter((e): e is string => e !== undefined);

  const { recordedProgram } = await import('../../containers/start.js');
  const bpf = await recordedProgram(c.config);
  const { memfdWith, execve, seccompFdFor, terminalFds } = await import('../../launcher/exec.js');
  const detach = flags.detach ?? false;
  const directives = planExec({
    container,
    pid,
    startTicks,
    command,
    env,
    workdir: flags.workdir,
    user,
    tty: flags.tty ?? false,
    interactive: flags.interactive ?? false,
    terminalFds: terminalFds(),
    detach,
    seccompFd: seccompFdFor(bpf, detach),
  });
  if (detach) {
    const { startDetached } = await import('../../launcher/detached.js');
    await startDetached(launcherPath(), encodeDirectives(directives), bpf ? [memfdWith('nook-seccomp', bpf)] : []);
    return 0;
  }
  const fd = memfdWith('nook-directives', encodeDirectives(directives));
  return execve(launcherPath(), ['nook-run', '--args', String(fd)]);
}
