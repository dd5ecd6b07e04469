// `nook doctor [--json]`: one line per rootless prerequisite, with the fix for each that is
// lacking. Exit code 1 when a required one is missing (see src/doctor/check.ts), else 0.
import { doctorExitCode, formatCheck } from '../../doctor/check.js';
import { runChecks } from '../../doctor/run-checks.js';
import type { DoctorFlags } from '../flags/doctor.js';

export async function doctor(opts: DoctorFlags): Promise<number> {
  const results = await runChecks();
  const text = opts.json ? JSON.stringify(results, null, 2) : results.map(formatCheck).join('\n');
  process.stdout.write(text + '\n');
  return doctorExitCode(results);
}
