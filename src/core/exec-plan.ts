// `nook exec`: a process inside a running container, with the container's capabilities,
// no_new_privs, rlimits and seccomp profile, through the launcher's `join`. Pure: the
// container's own directives and the flags in, the exec directives out.
import type { Directive } from './directives.js';
import { PROTOCOL_VERSION } from './directives.js';
import { buildEnv } from './env.js';
import { capabilitySets, relayDirectives } from './plan.js';
import type { ResolvedUser } from './users.js';
import { fail } from '../errors.js';
import { capabilitiesOfMask, type Capability } from '../security/capabilities.js';

export interface ExecInput {
  /** the container's launch directives (config.json's plan) */
  containerPlan: readonly Directive[];
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
  /** what the container's --cap-add added (its record's): a non-root user gets these, as in run */
  addedCapabilities: readonly Capability[];
}

/** What of `wanted` the container's bounding set holds: a helper joining it never gets more. */
export function helperCapabilities(containerPlan: readonly Directive[], wanted: readonly Capability[]): Capability[] {
  const caps = containerPlan.find((d) => d[0] === 'caps');
  const bounding = new Set(caps ? capabilitiesOfMask(caps[1]!) : []);
  return wanted.filter((c) => bounding.has(c));
}

/** Directives the exec'd process inherits from the container as they are. */
const INHERITED = new Set(['rlimit', 'cpu-affinity', 'nice', 'no-new-privs']);

export function planExec(input: ExecInput): Directive[] {
  if (input.command.length === 0) fail('"nook exec" requires at least 2 arguments', 'nook exec [OPTIONS] CONTAINER COMMAND [ARG...]');
  const of = (name: string) => input.containerPlan.filter((d) => d[0] === name);
  const d: Directive[] = [['version', PROTOCOL_VERSION], ['join', String(input.pid), String(input.startTicks)]];
  const containerEnv = of('env').map((e) => e[1]!);
  const env = buildEnv({ image: containerEnv, files: [], flags: input.env, defaults: input.tty ? { TERM: 'xterm' } : {} });
  for (const e of env) d.push(['env', e]);
  const workdir = input.workdir ?? of('chdir')[0]?.[1] ?? '/';
  if (!workdir.startsWith('/')) fail(`the working directory "${workdir}" is not an absolute path`);
  d.push(['chdir', workdir]);
  for (const x of input.containerPlan) if (INHERITED.has(x[0]) && !(input.confined && x[0] === 'no-new-privs')) d.push(x);
  if (input.confined) d.push(['no-new-privs']);
  const user = of('user')[0];
  const groups = of('groups')[0];
  if (input.user) {
    d.push(['user', String(input.user.uid), String(input.user.gid)]);
    if (groups) d.push(['groups', input.user.groups.join(',')]);
  } else {
    if (user) d.push(user);
    if (groups) d.push(groups);
  }
  const caps = of('caps')[0];
  if (input.confined) {
    // root in the container, holding exactly these: the one rule, with the set as its bounding set
    d.push(capabilitySets(0, input.confined.capabilities, []));
  } else if (caps) {
    const uid = input.user?.uid ?? Number(user?.[1] ?? 0);
    d.push(capabilitySets(uid, capabilitiesOfMask(caps[1]!), input.addedCapabilities));
  }
  if (input.seccompFd !== undefined) d.push(['seccomp-fd', String(input.seccompFd)]);
  if (input.tty) d.push(['tty']);
  if (input.interactive) d.push(['stdin']);
  if (input.detach) d.push(['detach']);
  else d.push(...relayDirectives(input));
  d.push(['exec', ...input.command]);
  return d;
}
