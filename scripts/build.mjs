// Bundles the CLI into one file (dist/nook-main.cjs, started by dist/nook.cjs, see
// scripts/boot.cjs) and the unpack worker into another. One file, not split chunks: every
// chunk costs Node's ESM loader a round of asynchronous reads before any code runs. Verbs
// are still evaluated lazily through dynamic import(). The ffi-rs binary is copied beside
// the bundle and loaded directly.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, chmodSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
mkdirSync('dist', { recursive: true });
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
};
// node:child_process brings node:net, node:dgram and the streams: ~12 ms of every start. Its
// importers (commander, for executable subcommands nook does not have; the launcher's spawns,
// reached from `run` through names -> abandoned -> remove) get a stand-in whose functions
// load it on first call. Only its functions: importing anything else fails the build.
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    // (the stand-in's own require stays the real module)
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      args.namespace === 'nook' ? undefined : { path: 'lazy-child-process', namespace: 'nook' });
    const real = require('node:child_process');
    const names = Object.keys(real).filter((k) => typeof real[k] === 'function' && !/^[A-Z_]/.test(k));
    b.onLoad({ filter: /.*/, namespace: 'nook' }, () => ({
      contents: "const load = () => require('node:child_process');\n" +
        names.map((n) => `export function ${n}(...args) { return load().${n}(...args); }\n`).join(''),
      loader: 'js',
    }));
  },
};
// The CLI: CommonJS, so a module's `require('node:zlib')` runs only when a verb that needs it
// loads, and so scripts/boot.cjs can compile it through V8's code cache.
await build({
  ...common,
  plugins: [lazyChildProcess],
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/nook-main.cjs',
  format: 'cjs',
  define: { 'import.meta.url': '__nookImportMetaUrl' },
  banner: { js: "const __nookImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
});
await build({
  ...common,
  entryPoints: ['src/nsworker/worker.ts'],
  outfile: 'dist/unpack-worker.mjs',
  format: 'esm',
  banner: { js: "import { createRequire as __nookCreateRequire } from 'node:module'; const require = __nookCreateRequire(import.meta.url);" },
});
// The client of `nook serve` (package.json "exports": nook/client): ESM, beside nook.cjs, which it starts.
// Its types: dist/types/client/index.d.ts (and the record's, from core/).
await build({ ...common, minify: false, entryPoints: ['src/client/index.ts'], outfile: 'dist/client.mjs', format: 'esm' });
execFileSync(process.execPath, [require.resolve('typescript/package.json').replace(/package\.json$/, 'bin/tsc'), '-p', 'tsconfig.client.json'], { stdio: 'inherit' });
copyFileSync('scripts/boot.cjs', 'dist/nook.cjs');
chmodSync('dist/nook.cjs', 0o755);
copyFileSync(require.resolve('@yuuang/ffi-rs-linux-x64-gnu/ffi-rs.linux-x64-gnu.node'), 'dist/ffi-rs.node');

// The launcher and the profiles sit beside the bundle, so dist/ is what install.sh installs.
import { cpSync, existsSync, rmSync } from 'node:fs';
execFileSync('make', ['-s', '-C', 'native'], { stdio: 'inherit' });
copyFileSync('native/build/nook-run', 'dist/nook-run');
chmodSync('dist/nook-run', 0o755);
// profiles/reference/ holds other runtimes' profiles for the README's table: not nook's to install.
rmSync('dist/profiles', { recursive: true, force: true });
if (existsSync('profiles')) cpSync('profiles', 'dist/profiles', { recursive: true, filter: (src) => !src.startsWith('profiles/reference') });
