// Pull progress the way Docker prints it: per-layer bars on a terminal, plain lines otherwise.
import type { Writable } from 'node:stream';

export interface PullProgress {
  line(text: string): void;
  layerQueued(id: string, total: number): void;
  layerBytes(id: string, n: number): void;
  layerDone(id: string, status: string): void;
  stop(): void;
}

export const silentProgress: PullProgress = { line() {}, layerQueued() {}, layerBytes() {}, layerDone() {}, stop() {} };

/** Plain lines: one when a layer starts and one when it ends, nothing per chunk. */
export function lineProgress(out: Writable): PullProgress {
  return {
    line: (text) => out.write(text + '\n'),
    layerQueued: (id) => out.write(`${id}: Pulling fs layer\n`),
    layerBytes() {},
    layerDone: (id, status) => out.write(`${id}: ${status}\n`),
    stop() {},
  };
}

export async function barProgress(out: NodeJS.WriteStream): Promise<PullProgress> {
  const { default: cliProgress } = await import('cli-progress');
  const multi = new cliProgress.MultiBar({
    stream: out,
    format: '{id}: {status} [{bar}] {value_mb}/{total_mb} MB',
    barsize: 30,
    hideCursor: true,
    clearOnComplete: false,
    stopOnComplete: false,
    autopadding: true,
  }, cliProgress.Presets.shades_classic);
  const bars = new Map<string, { bar: ReturnType<typeof multi.create>; value: number; total: number }>();
  const mb = (n: number) => (n / 1e6).toFixed(1);
  return {
    line: (text) => multi.log(text + '\n'),
    layerQueued(id, total) {
      const bar = multi.create(total || 1, 0, { id, status: 'Waiting    ', value_mb: mb(0), total_mb: mb(total) });
      bars.set(id, { bar, value: 0, total });
    },
    layerBytes(id, n) {
      const b = bars.get(id);
      if (!b) return;
      b.value += n;
      b.bar.update(b.value, { status: 'Downloading', value_mb: mb(b.value) });
    },
    layerDone(id, status) {
      const b = bars.get(id);
      b?.bar.update(b.total || 1, { status: status.padEnd(11), value_mb: mb(b.total) });
    },
    stop: () => multi.stop(),
  };
}
