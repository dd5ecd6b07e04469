// Bundles the CLI into one ESM file, and the unpack worker into another. One file, not split
// chunks: every chunk costs Node's ESM loader a round of asynchronous reads before any code
// runs, which measured worse for `nook run` than parsing verbs it does not use (V8 only
// pre-parses those). Verbs are still evaluated lazily through dynamic import().
// The ffi-rs binary is copied beside the bundle and loaded directly.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, chmodSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
mkdirSync('dist', { recursive: true });
await build({
  entryPoints: { nook: 'src/cli/main.ts', 'unpack-worker': 'src/image/unpack/worker.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: false,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  keepNames: false,
  sourcemap: false,
  legalComments: 'none',
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __nookCreateRequire } from 'node:module'; const require = __nookCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
chmodSync('dist/nook.mjs', 0o755);
copyFileSync(require.resolve('@yuuang/ffi-rs-linux-x64-gnu/ffi-rs.linux-x64-gnu.node'), 'dist/ffi-rs.node');

// The launcher and the profiles sit beside the bundle, so dist/ is what install.sh installs.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync } from 'node:fs';
execFileSync('make', ['-s', '-C', 'native'], { stdio: 'inherit' });
copyFileSync('native/build/nook-run', 'dist/nook-run');
chmodSync('dist/nook-run', 0o755);
if (existsSync('profiles')) cpSync('profiles', 'dist/profiles', { recursive: true });
