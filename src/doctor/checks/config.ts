// Which config files apply (each with its layer), which code files are ignored, or the error
// every nook command would stop at.
import { findConfig, searchRoots } from '../../config/load.js';
import { describeConfigSources } from '../../config/sources.js';
import { NookError } from '../../errors.js';
import { ok, warn, type CheckResult } from '../check.js';

export async function checkConfig(cwd: string): Promise<CheckResult> {
  try {
    const found = await findConfig(cwd);
    const files = found.files.length
      ? found.files.map((f) => `${f.path} (${f.layer})`).join(', ')
      : `none, defaults apply (searched ${describeConfigSources(searchRoots(cwd))})`;
    const ignored = found.ignored.length ? `; ignored, never run: ${found.ignored.join(', ')}` : '';
    return ok('config file', files + ignored);
  } catch (err) {
    if (!(err instanceof NookError)) throw err;
    return warn('config file', `${err.message}; every nook command stops at this`, err.hint ?? 'correct the file');
  }
}
