// Judge mode, pure: `--limits` as limits, the limits as directives and rlimits, and the
// launcher's raw usage line as the result record (isolate's meta fields and Judge0's). No fs,
// no processes: src/containers/judged-run.ts runs the box and writes what this decides.
import { fail } from '../errors.js';
import type { Directive } from './directives.js';
import { RLIMITS } from './ulimits.js';
import { parseBytes, type AppliedLimits, type ResourceLimits, type Rlimit } from './limits.js';
import { splitKeyValue } from '../util/key-value.js';

/** `--limits`: seconds for the times, bytes for the sizes; undefined is no limit. */
export interface JudgeLimits {
  /** CPU time of the whole container, every process (killed and reaped ones too) */
  time?: number;
  /** from the exec to the last process gone */
  wall?: number;
  /** grace beyond time and wall before the kill (isolate's -x / -w extra); the status still counts from the limit */
  extra: number;
  /** address space of each process (--memory's RLIMIT_AS), and the sampled RSS sum of the container */
  mem?: number;
  /** processes of the whole container (--pids-limit's mechanism) */
  procs?: number;
  fsize?: number;
  /** stdout and stderr together, as relayed */
  output?: number;
  stack?: number;
  /** open files per process (RLIMIT_NOFILE) */
  files?: number;
}

const SECONDS = ['time', 'wall', 'extra'] as const;
const SIZES = ['mem', 'fsize', 'output', 'stack'] as const;
const COUNTS = ['procs', 'files'] as const;
/** A year: far past any box, and its milliseconds still exact for the launcher. */
const MAX_SECONDS = 365 * 86400;
/** procs as --pids-limit (the kernel's PID_MAX_LIMIT); files at the kernel's default fs.nr_open */
const MAX_COUNT: Record<(typeof COUNTS)[number], number> = { procs: 4194304, files: 1048576 };
export const LIMIT_KEYS = [...SECONDS, ...SIZES, ...COUNTS];

/** `time=2,wall=5,extra=0.5,mem=256M,procs=64,fsize=10M,output=1M,stack=64M,files=64` */
export function parseLimits(spec: string): JudgeLimits {
  const out: JudgeLimits = { extra: 0 };
  for (const item of spec.split(',').filter(Boolean)) {
    const [key, value] = splitKeyValue(item);
    if (value === undefined || value === '') fail(`invalid --limits "${spec}": ${key} has no value`, `use KEY=VALUE with KEY one of ${LIMIT_KEYS.join(', ')}`);
    if ((SECONDS as readonly string[]).includes(key)) {
      if (!/^\d+(\.\d+)?$/.test(value)) fail(`invalid --limits "${spec}": ${key}=${value} is not a number of seconds`);
      if (Number(value) > MAX_SECONDS) fail(`invalid --limits "${spec}": ${key}=${value} is more than a year (${MAX_SECONDS} seconds)`);
      out[key as (typeof SECONDS)[number]] = Number(value);
    } else if ((SIZES as readonly string[]).includes(key)) {
      out[key as (typeof SIZES)[number]] = parseBytes(value, `--limits ${key}`);
    } else if ((COUNTS as readonly string[]).includes(key)) {
      const count = key as (typeof COUNTS)[number];
      if (!/^\d+$/.test(value) || Number(value) < 1) fail(`invalid --limits "${spec}": ${key}=${value} is not a positive count`);
      if (Number(value) > MAX_COUNT[count]) fail(`invalid --limits "${spec}": ${key}=${value} is more than ${MAX_COUNT[count]}`);
      out[count] = Number(value);
    } else {
      fail(`invalid --limits "${spec}": unknown key ${key}`, `use ${LIMIT_KEYS.join(', ')}`);
    }
  }
  return out;
}

/**
 * The box's limits in the terms of `run`'s own (src/core/limits.ts): mem and procs are
 * --memory and --pids-limit, whatever mechanism carries those; the rest are rlimits that win
 * over the defaults as --ulimit does. The one place that says which key goes where.
 * RLIMIT_CPU is only the backstop of the sampler's kill: a second beyond time+extra.
 */
export function judgeResources(l: JudgeLimits): { limits: Pick<ResourceLimits, 'memory' | 'pidsLimit'>; rlimits: Rlimit[] } {
  const rlimits: Rlimit[] = [];
  const both = (name: string, v: number | undefined) => v !== undefined && rlimits.push({ resource: RLIMITS[name]!, soft: v, hard: v });
  if (l.time !== undefined) {
    const soft = Math.ceil(l.time + l.extra) + 1;
    rlimits.push({ resource: RLIMITS['cpu']!, soft, hard: soft + 1 });
  }
  both('fsize', l.fsize);
  both('stack', l.stack);
  both('nofile', l.files);
  return { limits: { memory: l.mem, pidsLimit: l.procs }, rlimits };
}

const ms = (s: number) => String(Math.round(s * 1000));

/** What the launcher measures and where it kills: time and wall with their extra. */
export function judgeDirectives(l: JudgeLimits): Directive[] {
  const d: Directive[] = [['usage-report']];
  if (l.time !== undefined) d.push(['cpu-limit', ms(l.time + l.extra)]);
  if (l.wall !== undefined) d.push(['wall-limit', ms(l.wall + l.extra)]);
  if (l.output !== undefined) d.push(['output-limit', String(l.output)]);
  if (l.mem !== undefined) d.push(['rss-limit', String(l.mem)], ['map-limit', String(l.mem)]);
  return d;
}

/** The launcher's `{"type":"usage"}` line: raw numbers, no verdict. */
export interface UsageReport {
  exitcode: number;
  exitsig: number;
  /** the limit at which the launcher killed the box: cpu, wall, output, rss; '' for none */
  killed: '' | 'cpu' | 'wall' | 'output' | 'rss';
  utime_us: number;
  stime_us: number;
  wall_us: number;
  maxrss_kb: number;
  nvcsw: number;
  nivcsw: number;
  sampled_cpu_ms: number;
  sampled_rss_sum_peak_kb: number;
  sampled_vm_peak_kb: number;
  output_bytes: number;
  truncated: boolean;
  /** mmap/mremap calls (1 MiB or more) refused with ENOMEM: they would have passed map-limit */
  refused_maps: number;
  refused_max_bytes: number;
}

export type JudgeStatus = 'OK' | 'RE' | 'SG' | 'TO' | 'ML' | 'OL' | 'XX';

const DESCRIPTIONS: Record<JudgeStatus, string> = {
  OK: 'Accepted', RE: 'Runtime error', SG: 'Runtime error (signal)', TO: 'Time limit exceeded',
  ML: 'Memory limit exceeded', OL: 'Output limit exceeded', XX: 'Internal error',
};


export interface ResultRecord {
  status: JudgeStatus;
  /** isolate's one-line message (Judge0's `message`) */
  message: string;
  status_description: string;
  killed: boolean;
  // isolate's meta fields, with its names and units (seconds, KiB)
  time: number | null;
  'time-wall': number | null;
  'max-rss': number | null;
  'csw-voluntary': number | null;
  'csw-forced': number | null;
  exitcode: number | null;
  exitsig: number | null;
  'cg-mem': null;
  'cg-oom-killed': null;
  // Judge0's (seconds, KiB)
  cpu_time: number | null;
  wall_time: number | null;
  memory: number | null;
  exit_code: number | null;
  exit_signal: number | null;
  // nook's own
  /** the peak of the sum of the container's processes' RSS, sampled every 10 ms (KiB) */
  'sampled-rss-sum': number | null;
  /** the largest address space of one process, sampled (KiB) */
  'sampled-vm-max': number | null;
  'output-bytes': number | null;
  'output-truncated': boolean;
  /** mappings refused because they would have taken a process past mem (the largest asked, bytes) */
  'refused-allocations': number | null;
  'refused-max-bytes': number | null;
  limits: JudgeLimits;
  /** what `run`'s limits applied, defaults included (processes, memory, the mechanism) */
  applied: AppliedLimits;
  mechanism: string;
}

/**
 * How the limits were applied, named in the record so a grader knows what the numbers mean:
 * run's mechanism (rlimits, or cgroup-v2 where the user owns a delegated tree) and the
 * launcher's sampling. The record's numbers are the launcher's in both (cg-* stay null).
 */
const mechanismOf = (a: AppliedLimits) => `${a.mechanism}+supervisor`;

/** The box's limits as given, and as `run` applied them. */
export interface BoxLimits { judge: JudgeLimits; applied: AppliedLimits }

const SIGNAL_NAMES: Record<number, string> = { 6: 'SIGABRT', 7: 'SIGBUS', 8: 'SIGFPE', 9: 'SIGKILL', 11: 'SIGSEGV', 24: 'SIGXCPU', 25: 'SIGXFSZ', 31: 'SIGSYS' };

const round3 = (s: number) => Math.round(s * 1000) / 1000;

/**
 * The verdict, in isolate's order: a limit the box was killed at or went past (TO, then ML,
 * OL), then the way it ended (SG, RE), else OK. ML without cgroups is partly a heuristic (see
 * `memoryExceeded`).
 */
export function judgeStatus(u: UsageReport, l: JudgeLimits): { status: JudgeStatus; message: string } {
  const cpu = (u.utime_us + u.stime_us) / 1e6;
  const wall = u.wall_us / 1e6;
  if (u.killed === 'cpu' || u.exitsig === 24 || (l.time !== undefined && cpu > l.time)) return { status: 'TO', message: 'Time limit exceeded' };
  if (u.killed === 'wall' || (l.wall !== undefined && wall > l.wall)) return { status: 'TO', message: 'Time limit exceeded (wall clock)' };
  if (memoryExceeded(u, l)) return { status: 'ML', message: 'Memory limit exceeded' };
  if (u.killed === 'output' || u.truncated) return { status: 'OL', message: 'Output limit exceeded' };
  if (u.exitsig === 25) return { status: 'SG', message: 'File size limit exceeded (SIGXFSZ)' };
  if (u.exitsig) return { status: 'SG', message: `Caught fatal signal ${u.exitsig}${SIGNAL_NAMES[u.exitsig] ? ` (${SIGNAL_NAMES[u.exitsig]})` : ''}` };
  if (u.exitcode !== 0) return { status: 'RE', message: `Exited with error status ${u.exitcode}` };
  return { status: 'OK', message: '' };
}

/**
 * ML without cgroups: certain when the sampler killed the box at the RSS sum, or when the box
 * failed (a signal or an error exit) after the launcher refused it a mapping (1 MiB or more)
 * that would have taken a process's address space past mem; a heuristic when it failed after
 * one of its processes' address space came within 10 % of the RLIMIT_AS cap (smaller
 * allocations and brk failing at the cap leave no other trace).
 */
export function memoryExceeded(u: UsageReport, l: JudgeLimits): boolean {
  if (l.mem === undefined) return false;
  if (u.killed === 'rss') return true;
  const failed = u.exitsig !== 0 || u.exitcode !== 0;
  return failed && u.killed === '' && (u.refused_maps > 0 || u.sampled_vm_peak_kb * 1024 >= l.mem * 0.9);
}

/** The record of a box that ran. */
export function resultRecord(u: UsageReport, { judge: l, applied }: BoxLimits): ResultRecord {
  const { status, message } = judgeStatus(u, l);
  const cpu = round3((u.utime_us + u.stime_us) / 1e6);
  const wall = round3(u.wall_us / 1e6);
  const exitcode = u.exitsig ? null : u.exitcode;
  const exitsig = u.exitsig || null;
  return {
    status, message, status_description: DESCRIPTIONS[status], killed: u.killed !== '',
    time: cpu, 'time-wall': wall, 'max-rss': u.maxrss_kb, 'csw-voluntary': u.nvcsw, 'csw-forced': u.nivcsw,
    exitcode, exitsig, 'cg-mem': null, 'cg-oom-killed': null,
    cpu_time: cpu, wall_time: wall, memory: u.maxrss_kb, exit_code: exitcode, exit_signal: exitsig,
    'sampled-rss-sum': u.sampled_rss_sum_peak_kb, 'sampled-vm-max': u.sampled_vm_peak_kb,
    'output-bytes': u.output_bytes, 'output-truncated': u.truncated,
    'refused-allocations': u.refused_maps, 'refused-max-bytes': u.refused_max_bytes,
    limits: l, applied, mechanism: mechanismOf(applied),
  };
}

/** The record of a box nook could not run (XX): every measurement null. */
export function failureRecord(message: string, { judge: l, applied }: BoxLimits): ResultRecord {
  return {
    status: 'XX', message, status_description: DESCRIPTIONS.XX, killed: false,
    time: null, 'time-wall': null, 'max-rss': null, 'csw-voluntary': null, 'csw-forced': null,
    exitcode: null, exitsig: null, 'cg-mem': null, 'cg-oom-killed': null,
    cpu_time: null, wall_time: null, memory: null, exit_code: null, exit_signal: null,
    'sampled-rss-sum': null, 'sampled-vm-max': null, 'output-bytes': null, 'output-truncated': false,
    'refused-allocations': null, 'refused-max-bytes': null,
    limits: l, applied, mechanism: mechanismOf(applied),
  };
}
