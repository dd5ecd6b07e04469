// Which config files apply (each with its layer), or the error every nook command would stop at.
import { findConfig, searchRoots } from '../../config/load.js';
import { describeConfigSources } from '../../config/sources.js';
import { NookError } from '../../errors.js';
import { ok, warn, type CheckResult } from '../check.js';

export async function checkConfig(cwd: string): Promise<CheckResult> {
  try {
    const found = await findConfig(cwd);
    if (found.files.length) return ok('config file', found.files.map((f) => `${f.path} (${f.layer})`).join(', '));
    return ok('config file', `none, defaults apply (searched ${describeConfigSources(searchRoots(cwd))})`);
  } catch (err) {
    if (!(err instanceof NookError)) throw err;
    return warn('config file', `${err.message}; every nook command stops at this`, 'correct the file');
  }
}
