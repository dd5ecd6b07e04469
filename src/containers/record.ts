// The container's records as the CLI and the supervisor leave them, read tolerantly: a field
// that an older nook did not write is simply absent, a torn or missing file is "no record".
import { readFileSync } from 'node:fs';
import type { Directive } from '../core/directives.js';
import { capabilitiesOfMask, type Capability } from '../security/capabilities.js';
import { PROCESS_LIMITS, type ProcessSpec } from '../core/plan.js';
import type { AppliedLimits } from '../core/limits.js';
import type { CgroupWrite } from '../core/cgroup-v2.js';

export interface PortRecord { hostIp?: string; hostPort: number; containerPort: number; protocol?: 'tcp' | 'udp' }
export interface MountRecord {
  type: 'bind' | 'volume' | 'tmpfs';
  source: string;
  destination: string;
  readOnly?: boolean;
  /** the volume's name (type volume) */
  name?: string;
  /** an anonymous volume, removed by `rm -v` */
  anonymous?: boolean;
}

/** config.json: what `run`/`create` decided, written once by the CLI (rename rewrites name). */
export interface ContainerConfig {
  id: string;
  name: string;
  image: string;
  created: string;
  command: string[];
  autoRemove?: boolean;
  detached?: boolean;
  tty?: boolean;
  interactive?: boolean;
  restartPolicy?: { name: string; maximumRetryCount?: number };
  labels?: Record<string, string>;
  ports?: PortRecord[];
  mounts?: MountRecord[];
  hostname?: string;
  env?: string[];
  workingDir?: string;
  user?: string;
  networkMode?: string;
  stopSignal?: string;
  stopTimeout?: number;
  readOnly?: boolean;
  /** the launcher's directives without the seccomp fd: `start` launches them again */
  plan?: Directive[];
  /**
   * What the seccomp program is compiled from (it reaches the launcher as its own fd): the profile as
   * named and the file it was read from at create; its text is kept in the container's
   * directory (`seccomp.json`). The JSON, not the compiled program: the program also depends on
   * the running kernel (minKernel) and libseccomp, so after a reboot into another kernel the same
   * text compiles to the right one (a cache hit, keyed by that text, otherwise). Records of older
   * nooks have no `file`.
   */
  seccomp?: { profile: string; file?: string; capabilities: Capability[] } | null;
  /** the process as launched (user, groups, capabilities, env, workdir, limits): what exec starts from */
  process?: ProcessSpec;
  /** records without `process` only: what --cap-add (or --privileged) added */
  addedCapabilities?: Capability[];
  /** the resource limits applied (defaults included) and the mechanism; with cgroup v2 the
   * group's files, written again before each start */
  limits?: AppliedLimits & { cgroup?: { base: string; writes: CgroupWrite[] } };
}

/** state.json: written atomically by the supervisor of a detached container. */
export interface SupervisorState {
  status: 'running' | 'exited';
  pid: number;
  supervisorPid: number;
  startedAt: string;
  finishedAt: string;
  exitCode: number;
  restartCount: number;
}

export function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export function readConfig(path: string): ContainerConfig | undefined {
  const c = readJson<Partial<ContainerConfig>>(path);
  if (!c || typeof c.id !== 'string' || typeof c.name !== 'string') return undefined;
  return {
    ...c,
    id: c.id,
    name: c.name,
    image: typeof c.image === 'string' ? c.image : '',
    created: typeof c.created === 'string' ? c.created : '',
    command: Array.isArray(c.command) ? c.command.map(String) : [],
  };
}

/**
 * The container's process: its record's, or, for a record of an older nook (no process block:
 * a container created before it existed), read back out of the launch plan it kept.
 */
export function recordedProcess(c: ContainerConfig): ProcessSpec | undefined {
  if (c.process) return c.process;
  const plan = c.plan;
  if (!plan) return undefined;
  const first = (name: string) => plan.find((d) => d[0] === name);
  const user = first('user');
  const groups = first('groups');
  const caps = first('caps');
  return {
    argv: first('exec')?.slice(1) ?? c.command,
    env: plan.filter((d) => d[0] === 'env').map((d) => d[1]!),
    workdir: first('chdir')?.[1] ?? '/',
    uid: Number(user?.[1] ?? 0),
    gid: Number(user?.[2] ?? 0),
    groups: groups ? groups[1]!.split(',').filter(Boolean).map(Number) : null,
    capabilities: caps ? capabilitiesOfMask(caps[1]!) : [],
    // none in records older still, as exec did then
    addedCapabilities: c.addedCapabilities ?? [],
    noNewPrivileges: first('no-new-privs') !== undefined,
    limits: plan.filter((d) => PROCESS_LIMITS.has(d[0])),
  };
}

export function readSupervisorState(path: string): SupervisorState | undefined {
  const s = readJson<Partial<SupervisorState>>(path);
  if (!s || (s.status !== 'running' && s.status !== 'exited')) return undefined;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    status: s.status,
    pid: num(s.pid),
    supervisorPid: num(s.supervisorPid),
    startedAt: str(s.startedAt),
    finishedAt: str(s.finishedAt),
    exitCode: num(s.exitCode),
    restartCount: num(s.restartCount),
  };
}
