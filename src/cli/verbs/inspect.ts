// `nook inspect`: Docker's container JSON (an array, 4-space indent), or --format per container.
import { resolveContainer } from '../../containers/state.js';
import { inspectView } from '../../format/container-views.js';
import { parseFormat } from '../../format/render.js';
import { NookError, formatError } from '../../errors.js';
import { terminalJson } from '../../util/terminal-text.js';
import type { InspectFlags } from '../flags/inspect.js';

export async function inspect(refs: string[], flags: InspectFlags): Promise<number> {
  if (flags.type !== undefined && flags.type !== 'container') throw new NookError(`"${flags.type}" is not a valid value for --type`, { hint: 'nook inspect knows containers; use `nook image inspect` or `nook volume inspect`' });
  const format = flags.format !== undefined ? parseFormat(flags.format) : undefined;
  const found: Array<Record<string, unknown>> = [];
  const errors: string[] = [];
  for (const ref of refs) {
    try {
      const view = inspectView(resolveContainer(ref));
      if (flags.size) Object.assign(view, { SizeRw: 0, SizeRootFs: 0 });
      found.push(view);
    } catch (err) {
      if (!(err instanceof NookError)) throw err;
      errors.push(formatError(new NookError(`No such object: ${ref}`)).text);
    }
  }
  if (format) process.stdout.write(found.map((v) => format.render(v) + '\n').join(''));
  else process.stdout.write(terminalJson(found, 4) + '\n');
  for (const e of errors) process.stderr.write(e + '\n');
  return errors.length > 0 ? 125 : 0;
}
