import { pullAndReport } from '../../image/pull-report.js';

export async function pull(image: string, opts: { quiet?: boolean; platform?: string }): Promise<number> {
  await pullAndReport(image, { quiet: opts.quiet ?? false, platform: opts.platform, stream: process.stdout });
  return 0;
}
