import { pullAndReport } from '../../image/pull-report.js';
import type { PullFlags } from '../flags/pull.js';

export async function pull(image: string, opts: PullFlags): Promise<number> {
  await pullAndReport(image, { quiet: opts.quiet ?? false, platform: opts.platform, stream: process.stdout });
  return 0;
}
