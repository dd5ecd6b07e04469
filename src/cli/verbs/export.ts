import { resolveContainer } from '../../containers/state.js';
import { recordedProfile } from '../../containers/start.js';
import { storeLayout } from '../../storage/layout.js';
import { exportContainer } from '../../image/archive/container-export.js';
import { writeOutput } from '../../image/archive/output-file.js';
import type { ExportFlags } from '../flags/export.js';

export async function exportRootfs(ref: string, flags: ExportFlags): Promise<number> {
  const c = resolveContainer(ref);
  const target = { id: c.id, name: c.config.name, plan: c.config.plan, seccompProfile: recordedProfile(c.config) };
  await writeOutput(flags.output, 'export', (fd) => exportContainer(storeLayout(), target, fd));
  return 0;
}
