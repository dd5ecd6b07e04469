// Bytes a directory tree holds, as far as this user can see (a container may have made
// subdirectories only its own users can enter: those count as empty). For prune reports.
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export function treeSize(path: string): number {
  let total = 0;
  const stack = [path];
  while (stack.length > 0) {
    const p = stack.pop()!;
    try {
      const st = lstatSync(p);
      total += st.isDirectory() ? 0 : st.size;
      if (st.isDirectory()) for (const e of readdirSync(p)) stack.push(join(p, e));
    } catch {
      // unreadable or gone: not counted
    }
  }
  return total;
}
