// What `ps` and `inspect` show of a container, in Docker's shapes. Pure: a Container in,
// plain values out (the --format templates run over these).
import { goMap } from './template.js';
import { goTimeString, humanDuration } from '../util/units.js';
import type { PortRecord } from '../containers/record.js';
import type { Container } from '../containers/state.js';
import type { ContainerState } from '../containers/status.js';

export const PS_HEADERS: Record<string, string> = {
  ID: 'CONTAINER ID', Image: 'IMAGE', Command: 'COMMAND', CreatedAt: 'CREATED AT', RunningFor: 'CREATED',
  Ports: 'PORTS', State: 'STATE', Status: 'STATUS', Size: 'SIZE', Names: 'NAMES', Labels: 'LABELS',
  Mounts: 'MOUNTS', Networks: 'NETWORKS', LocalVolumes: 'LOCAL VOLUMES', RestartCount: 'RESTARTS',
};

export const PS_DEFAULT_FORMAT = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';

/** Go's %q of a string: JSON escaping is close enough for command lines. */
const quote = (s: string) => JSON.stringify(s);

/** Docker's Ellipsis: at most `max` characters, the last one an ellipsis when cut. */
export function ellipsis(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : chars.slice(0, max - 1).join('') + '…';
}

/** "0.0.0.0:8080->80/tcp, 443/tcp": Docker's PORTS column. */
export function formatPorts(ports: PortRecord[]): string {
  return ports
    .map((p) => `${p.hostPort ? `${p.hostIp || '0.0.0.0'}:${p.hostPort}->` : ''}${p.containerPort}/${p.protocol ?? 'tcp'}`)
    .join(', ');
}

const labelsText = (labels: Record<string, string>) => Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');

/** One `ps` row: the fields of Docker's ContainerContext, all strings, plus Label(k). */
export function psRow(c: Container, opts: { trunc: boolean; now?: number }): Record<string, unknown> {
  const now = opts.now ?? Date.now();
  const command = c.config.command.join(' ');
  const labels = c.config.labels ?? {};
  const row: Record<string, unknown> = {
    Command: quote(opts.trunc ? ellipsis(command, 20) : command),
    // computed when a template asks: its zone name costs Intl's time zone data, ~20 ms
    get CreatedAt() {
      return goTimeString(c.config.created);
    },
    ID: opts.trunc ? c.id.slice(0, 12) : c.id,
    Image: c.config.image,
    Labels: labelsText(labels),
    LocalVolumes: String((c.config.mounts ?? []).filter((m) => m.type === 'volume').length),
    Mounts: (c.config.mounts ?? []).filter((m) => m.type !== 'tmpfs').map((m) => (m.type === 'volume' ? m.name ?? m.source : m.source)).map((s) => (opts.trunc ? ellipsis(s, 15) : s)).join(','),
    Names: c.config.name,
    Networks: c.config.networkMode ?? 'none',
    Ports: formatPorts(c.config.ports ?? []),
    RunningFor: `${humanDuration(Math.max(0, now - Date.parse(c.config.created)))} ago`,
    Size: '0B',
    State: c.state.status,
    Status: statusText(c.state, now),
    RestartCount: String(c.state.restartCount),
  };
  Object.defineProperty(row, 'Label', { value: (k: string) => labels[k] ?? '', enumerable: false });
  return row;
}

function portMap(ports: PortRecord[]): Record<string, Array<{ HostIp: string; HostPort: string }> | null> {
  const out: Record<string, Array<{ HostIp: string; HostPort: string }> | null> = {};
  for (const p of ports) {
    const key = `${p.containerPort}/${p.protocol ?? 'tcp'}`;
    if (!p.hostPort) {
      out[key] ??= null;
      continue;
    }
    (out[key] ??= []).push({ HostIp: p.hostIp || '0.0.0.0', HostPort: String(p.hostPort) });
  }
  return goMap(out);
}

/** `inspect`: Docker's container JSON, with the parts nook has. */
export function inspectView(c: Container): Record<string, unknown> {
  const cfg = c.config;
  const [path = '', ...args] = cfg.command;
  const s = c.state;
  const policy = cfg.restartPolicy ?? { name: 'no', maximumRetryCount: 0 };
  return {
    Id: c.id,
    Created: cfg.created,
    Path: path,
    Args: args,
    State: {
      Status: s.status,
      Running: s.running,
      Paused: s.paused,
      Restarting: s.restarting,
      OOMKilled: false,
      Dead: false,
      Pid: s.pid,
      ExitCode: s.exitCode,
      Error: '',
      StartedAt: s.startedAt,
      FinishedAt: s.finishedAt,
    },
    Image: cfg.image,
    LogPath: `${c.dir}/container.log`,
    Name: `/${cfg.name}`,
    RestartCount: s.restartCount,
    Driver: 'nook',
    HostConfig: {
      AutoRemove: cfg.autoRemove ?? false,
      RestartPolicy: { Name: policy.name, MaximumRetryCount: policy.maximumRetryCount ?? 0 },
      NetworkMode: cfg.networkMode ?? 'none',
      ReadonlyRootfs: cfg.readOnly ?? false,
      PortBindings: portMap((cfg.ports ?? []).filter((p) => p.hostPort)),
      LogConfig: { Type: 'json-file', Config: goMap({}) },
      // Docker's names and units; records of an older nook have no limits
      Memory: cfg.limits?.memory ?? 0,
      MemorySwap: cfg.limits?.memorySwap ?? 0,
      NanoCpus: cfg.limits?.nanoCpus ?? 0,
      CpuShares: cfg.limits?.cpuShares ?? 0,
      PidsLimit: cfg.limits?.pidsLimit || null,
      // nook's own: how they are enforced (rlimits or cgroup-v2, src/core/limits.ts)
      NookLimitsMechanism: cfg.limits?.mechanism ?? 'rlimits',
    },
    Mounts: (cfg.mounts ?? []).filter((m) => m.type !== 'tmpfs').map((m) => ({
      Type: m.type,
      ...(m.type === 'volume' ? { Name: m.name ?? '' } : {}),
      Source: m.source,
      Destination: m.destination,
      Driver: m.type === 'volume' ? 'local' : '',
      Mode: m.readOnly ? 'ro' : '',
      RW: !m.readOnly,
      Propagation: m.type === 'bind' ? 'rprivate' : '',
    })),
    Config: {
      Hostname: cfg.hostname ?? c.id.slice(0, 12),
      User: cfg.user ?? '',
      AttachStdin: false,
      AttachStdout: !cfg.detached,
      AttachStderr: !cfg.detached,
      Tty: cfg.tty ?? false,
      OpenStdin: cfg.interactive ?? false,
      Env: cfg.env ?? [],
      Cmd: cfg.command,
      Image: cfg.image,
      WorkingDir: cfg.workingDir ?? '',
      Labels: goMap({ ...(cfg.labels ?? {}) }),
      StopSignal: cfg.stopSignal ?? 'SIGTERM',
      ...(cfg.stopTimeout !== undefined ? { StopTimeout: cfg.stopTimeout } : {}),
    },
    NetworkSettings: {
      Ports: portMap(cfg.ports ?? []),
    },
  };
}

const isZero = (t: string) => !t || t.startsWith('0001-');

/** Docker's STATUS column: "Up 3 seconds", "Exited (0) 2 minutes ago", "Created" ... */
export function statusText(s: ContainerState, now = Date.now()): string {
  const since = (t: string) => humanDuration(Math.max(0, now - Date.parse(t)));
  if (s.restarting) return `Restarting (${s.exitCode}) ${since(s.finishedAt)} ago`;
  if (s.running) return s.paused ? `Up ${since(s.startedAt)} (Paused)` : `Up ${since(s.startedAt)}`;
  if (isZero(s.startedAt) && s.status === 'created') return 'Created';
  if (isZero(s.finishedAt)) return '';
  return `Exited (${s.exitCode}) ${since(s.finishedAt)} ago`;
}
