// Reads what one uvu process printed: its closing Total/Passed/Skipped block and the
// message of each failing test. uvu counts a test whose before-hook threw as not passed but
// prints no message for it, so failed is Total - Passed, never a count of FAIL blocks.

const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

function lastNumber(text, label) {
  const all = [...text.matchAll(new RegExp(`^\\s*${label}:\\s+(\\d+)\\s*$`, 'gm'))];
  return all.length ? Number(all[all.length - 1][1]) : undefined;
}

/**
 * @param {string} output uvu's standard output
 * @returns {{ total: number, passed: number, failed: number, skipped: number, failures: string[] } | null}
 *   null when the summary is missing (the process crashed or exited early)
 */
export function parseUvuSummary(output) {
  const text = output.replace(ANSI, '');
  const total = lastNumber(text, 'Total');
  const passed = lastNumber(text, 'Passed');
  if (total === undefined || passed === undefined) return null;
  const skipped = lastNumber(text, 'Skipped') ?? 0;

  // A failure block is `  FAIL  <suite>  "<test>"` followed by the message on the next line.
  const failures = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const head = lines[i].match(/^\s*FAIL\s+(.*\S)\s*$/);
    if (!head) continue;
    const message = (lines[i + 1] ?? '').trim();
    failures.push(message ? `${head[1].replace(/\s{2,}/g, ' ')}: ${message}` : head[1]);
  }
  return { total, passed, failed: Math.max(0, total - passed), skipped, failures };
}
