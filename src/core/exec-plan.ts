// `nook exec`: a process inside a running container, with the container's capabilities,
// no_new_privs, rlimits and seccomp profile, through the launcher's `join`. Pure: the
// container's recorded process and the flags in, the exec directives out.
import type { Directive } from './directives.js';
import { PROTOCOL_VERSION } from './directives.js';
import { buildEnv } from './env.js';
import { capabilitySets, relayDirectives, type ProcessSpec } from './plan.js';
import type { ResolvedUser } from './users.js';
import { fail } from '../errors.js';
import type { Capability } from '../security/capabilities.js';

export interface ExecInput {
  /** the container's process as run planned it (config.json's, containers/record.ts) */
  container: ProcessSpec;
  pid: number;
  startTicks: number;
  command: string[];
  env: string[];
  workdir?: string | undefined;
  /** -u, resolved against the container's /etc/passwd; undefined keeps the container's user */
  user?: ResolvedUser | undefined;
  tty: boolean;
  interactive: boolean;
  /** which of the caller's fds 0-2 are terminals */
  terminalFds: number[];
  detach: boolean;
  seccompFd?: number | undefined;
  /**
   * nook's own process in the container, as root (cp's tar, which may be the container's code):
   * exactly these capabilities (see `helperCapabilities`) and no_new_privs, whatever the
   * container has
   */
  confined?: { capabilities: readonly Capability[] } | undefined;
}

/** What of `wanted` the container's bounding set holds: a helper joining it never gets more. */
export function helperCapabilities(container: ProcessSpec, wanted: readonly Capability[]): Capability[] {
  return wanted.filter((c) => container.capabilities.includes(c));
}

export function planExec(input: ExecInput): Directive[] {
  if (input.command.length === 0) fail('"nook exec" requires at least 2 arguments', 'nook exec [OPTIONS] CONTAINER COMMAND [ARG...]');
  const c = input.container;
  const d: Directive[] = [['version', PROTOCOL_VERSION], ['join', String(input.pid), String(input.startTicks)]];
  const env = buildEnv({ image: c.env, files: [], flags: input.env, defaults: input.tty ? { TERM: 'xterm' } : {} });
  for (const e of env) d.push(['env', e]);
  const workdir = input.workdir ?? c.workdir;
  if (!workdir.startsWith('/')) fail(`the working directory "${workdir}" is not an absolute path`);
  d.push(['chdir', workdir]);
  d.push(...c.limits);
  if (c.noNewPrivileges || input.confined) d.push(['no-new-privs']);
  const user = input.user ?? { uid: c.uid, gid: c.gid, groups: c.groups ?? [] };
  d.push(['user', String(user.uid), String(user.gid)]);
  // no groups where the container has none (single-id mode: setgroups is denied)
  if (c.groups) d.push(['groups', user.groups.join(',')]);
  // root in the container holding exactly the confined set, else the one rule run follows
  d.push(input.confined ? capabilitySets(0, input.confined.capabilities, []) : capabilitySets(user.uid, c.capabilities, c.addedCapabilities));
  if (input.seccompFd !== undefined) d.push(['seccomp-fd', String(input.seccompFd)]);
  if (input.tty) d.push(['tty']);
  if (input.interactive) d.push(['stdin']);
  if (input.detach) d.push(['detach']);
  else d.push(...relayDirectives(input));
  d.push(['exec', ...input.command]);
  return d;
}
