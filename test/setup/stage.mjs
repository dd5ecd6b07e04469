// Copies what the e2e suites need into a fresh world-readable directory, so an unprivileged
// user can run them even when the checkout sits under /root: the built CLI (lib/) and the
// test sources with the modules tsx and uvu load (repo/).
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, mkdirSync, mkdtempSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

// Big packages only the type checker uses.
const SKIPPED_MODULES = new Set(['typescript', '@typescript']);
const COPIED = ['package.json', 'tsconfig.json', 'src', 'test', 'node_modules'];

/** @returns {{ dir: string, bin: string, repo: string }} */
export function stageTree(repoDir) {
  const dir = mkdtempSync('/tmp/nook-test-');
  chmodSync(dir, 0o755);
  cpSync(join(repoDir, 'dist'), join(dir, 'lib'), { recursive: true, verbatimSymlinks: true });
  for (const name of COPIED) {
    cpSync(join(repoDir, name), join(dir, 'repo', name), {
      recursive: true,
      verbatimSymlinks: true,
      filter: (src) => {
        const parts = relative(repoDir, src).split(sep);
        return !(parts[0] === 'node_modules' && SKIPPED_MODULES.has(parts[1]));
      },
    });
  }
  // A checkout made with a tight umask would otherwise stay unreadable for the test users.
  execFileSync('chmod', ['-R', 'a+rX', dir]);
  return { dir, bin: join(dir, 'lib', 'nook.cjs'), repo: join(dir, 'repo') };
}

/** A private, empty directory owned by `owner` (uid/gid), mode 0700. */
export function privateDir(path, owner) {
  mkdirSync(path, { mode: 0o700 });
  if (owner) chownSync(path, owner.uid, owner.gid);
  chmodSync(path, 0o700);
  return path;
}
