// Imports between the top-level folders of src/ point one way: down this table. A folder may
// import its own files and any folder of a lower rank, never one of its own rank or above, so
// the folders can hold no import cycle. `node --import tsx test/unit/layers.test.ts` prints
// the graph (folder -> folder, with the number of imports).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

const RANK: Record<string, number> = {
  cli: 9,
  format: 8, // presentation: the verbs' output
  doctor: 8,
  containers: 7, image: 7, network: 7,
  rootfs: 6, nsworker: 6, // the worker in the user namespace: unpack, remove, flatten
  launcher: 5, // starting the C launcher: execve, the user namespace tasks, the caller's identity
  config: 4,
  core: 3, // pure planning and the directive vocabulary
  storage: 2, security: 2,
  native: 1, // ffi-rs
  base: 0, // util/, errors.ts, paths.ts
};

function folderOf(file: string): string {
  const parts = relative(SRC, file).split(sep);
  return parts.length === 1 || parts[0] === 'util' ? 'base' : parts[0]!;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Static, side-effect, re-export and dynamic imports of relative paths. */
const IMPORT = /\b(?:from\s+|import\s*\(?\s*)'(\.{1,2}\/[^']+)'/g;

function graph(): Map<string, number> {
  const edges = new Map<string, number>();
  for (const file of sources(SRC)) {
    const from = folderOf(file);
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const to = folderOf(resolve(dirname(file), m[1]!));
      if (to === from) continue;
      const edge = `${from} -> ${to}`;
      edges.set(edge, (edges.get(edge) ?? 0) + 1);
    }
  }
  return edges;
}

test('every top-level folder of src/ has a rank', () => {
  const folders = new Set(sources(SRC).map(folderOf));
  assert.equal([...folders].filter((f) => !(f in RANK)), [], 'give the new folder a rank in RANK');
});

test('imports between folders only point down, so no cycle', () => {
  const edges = graph();
  const upward = [...edges.keys()].filter((e) => {
    const [from, to] = e.split(' -> ') as [string, string];
    return RANK[to]! >= RANK[from]!;
  });
  assert.equal(upward, [], 'imports that point up or sideways');
});

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [edge, n] of [...graph()].sort()) {
    const [from, to] = edge.split(' -> ') as [string, string];
    console.log(`${edge} (${n})${RANK[to]! >= RANK[from]! ? '  UPWARD' : ''}`);
  }
}

test.run();
