// `nook stats`: Docker's columns from /proc samples one second apart (see containers/stats.ts).
import { entryPid, listContainers, resolveContainer, type Container } from '../../containers/state.js';
import { cpuPercent, memTotalBytes, sampleContainer, type Sample } from '../../containers/stats.js';
import { renderListing } from '../../format/render.js';
import { bytesSize, humanSize } from '../../util/units.js';
import type { StatsFlags } from '../flags/stats.js';

const HEADERS = {
  ID: 'CONTAINER ID', Container: 'CONTAINER', Name: 'NAME', CPUPerc: 'CPU %', MemUsage: 'MEM USAGE / LIMIT',
  MemPerc: 'MEM %', NetIO: 'NET I/O', BlockIO: 'BLOCK I/O', PIDs: 'PIDS',
};
const DEFAULT_FORMAT = 'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function row(c: Container, a: Sample | undefined, b: Sample | undefined, total: number, trunc: boolean): Record<string, string> {
  const id = trunc ? c.id.slice(0, 12) : c.id;
  if (!a || !b) {
    return { ID: id, Container: id, Name: c.config.name, CPUPerc: '0.00%', MemUsage: '0B / 0B', MemPerc: '0.00%', NetIO: '0B / 0B', BlockIO: '0B / 0B', PIDs: '0' };
  }
  return {
    ID: id,
    Container: id,
    Name: c.config.name,
    CPUPerc: `${cpuPercent(a, b).toFixed(2)}%`,
    MemUsage: `${bytesSize(b.memoryBytes)} / ${bytesSize(total)}`,
    MemPerc: `${total ? ((b.memoryBytes / total) * 100).toFixed(2) : '0.00'}%`,
    NetIO: `${humanSize(b.netRx)} / ${humanSize(b.netTx)}`,
    BlockIO: `${humanSize(b.blockRead)} / ${humanSize(b.blockWrite)}`,
    PIDs: String(b.pids),
  };
}

export async function stats(refs: string[], flags: StatsFlags): Promise<number> {
  const pick = () => (refs.length > 0 ? refs.map(resolveContainer) : listContainers().filter((c) => flags.all || c.state.running));
  const total = memTotalBytes();
  const trunc = flags.trunc;
  const sampleAll = (list: Container[]) => new Map(list.filter((c) => c.state.running).map((c) => [c.id, sampleContainer(entryPid(c))]));
  let list = pick();
  let before = sampleAll(list);
  for (;;) {
    await sleep(1000);
    list = pick();
    const after = sampleAll(list);
    const text = renderListing(flags.format ?? DEFAULT_FORMAT, list.map((c) => row(c, before.get(c.id), after.get(c.id), total, trunc)), HEADERS);
    if (!flags.stream) {
      process.stdout.write(text);
      return 0;
    }
    process.stdout.write(`\x1b[2J\x1b[H${text}`);
    before = after;
  }
}
