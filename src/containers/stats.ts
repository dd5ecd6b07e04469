// Resource use of a container measured from /proc, since no cgroup is delegated here: CPU
// time and proportional memory (PSS) of every process in its pid namespace, block I/O from
// /proc/P/io, network bytes from its network namespace. There are no limits to report: the
// memory "limit" is the machine's memory.
import { containerProcesses } from './processes.js';
import { nsLink, procStat } from './procfs.js';
import { readOrEmpty } from '../util/read-text.js';

export interface Sample {
  cpuTicks: number;
  memoryBytes: number;
  blockRead: number;
  blockWrite: number;
  netRx: number;
  netTx: number;
  pids: number;
  at: number;
}

function memoryOf(pid: number): number {
  const pss = /^Pss:\s+(\d+) kB$/m.exec(readOrEmpty(`/proc/${pid}/smaps_rollup`));
  if (pss) return Number(pss[1]) * 1024;
  return (procStat(pid)?.rssPages ?? 0) * 4096;
}

/** Bytes received and sent on every interface but loopback, as /proc/<pid>/net/dev shows. */
export function parseNetDev(text: string): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  for (const line of text.split('\n').slice(2)) {
    const [iface, rest] = line.split(':');
    if (!rest || iface!.trim() === 'lo') continue;
    const f = rest.trim().split(/\s+/).map(Number);
    rx += f[0] ?? 0;
    tx += f[8] ?? 0;
  }
  return { rx, tx };
}

export function sampleContainer(initPid: number): Sample {
  const pids = containerProcesses(initPid);
  const s: Sample = { cpuTicks: 0, memoryBytes: 0, blockRead: 0, blockWrite: 0, netRx: 0, netTx: 0, pids: pids.length, at: Date.now() };
  for (const p of pids) {
    const st = procStat(p);
    if (!st) continue;
    s.cpuTicks += st.utime + st.stime;
    s.memoryBytes += memoryOf(p);
    const io = readOrEmpty(`/proc/${p}/io`);
    s.blockRead += Number(/^read_bytes: (\d+)$/m.exec(io)?.[1] ?? 0);
    s.blockWrite += Number(/^write_bytes: (\d+)$/m.exec(io)?.[1] ?? 0);
  }
  // the host's network namespace is not the container's traffic: report none, like Docker
  if (nsLink(initPid, 'net') !== nsLink(process.pid, 'net')) {
    const net = parseNetDev(readOrEmpty(`/proc/${initPid}/net/dev`));
    s.netRx = net.rx;
    s.netTx = net.tx;
  }
  return s;
}

export function memTotalBytes(): number {
  return Number(/^MemTotal:\s+(\d+) kB$/m.exec(readOrEmpty('/proc/meminfo'))?.[1] ?? 0) * 1024;
}

/** CPU use between two samples: 100% is one CPU busy the whole time (Docker's scale). */
export function cpuPercent(a: Sample, b: Sample): number {
  const seconds = (b.at - a.at) / 1000;
  return seconds > 0 ? (((b.cpuTicks - a.cpuTicks) / 100) / seconds) * 100 : 0;
}
