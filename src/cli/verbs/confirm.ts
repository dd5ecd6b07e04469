// Docker's prune prompt: "Are you sure you want to continue? [y/N]", answered on stdin.
import { createInterface } from 'node:readline/promises';

export async function confirm(warning: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: false });
  try {
    const answer = await rl.question(`${warning}\nAre you sure you want to continue? [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } catch {
    return false; // stdin closed: no
  } finally {
    rl.close();
  }
}
