// Imports between the top-level folders of src/ point one way: down this table. A folder may
// import its own files and any folder of a lower rank, never one of its own rank or above, so
// the folders can hold no import cycle; inside a folder, no two files import each other, even
// for a type or through import(). `node --import tsx test/unit/layers.test.ts` prints the
// graph (folder -> folder, with the number of imports) and every file cycle.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

const RANK: Record<string, number> = {
  client: 10, // the Node client of `nook serve`: types from below, nothing else
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

/** Each file of src/ (relative to it) and the files of src/ it imports. */
function fileGraph(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const file of sources(SRC)) {
    const imported = [...readFileSync(file, 'utf8').matchAll(IMPORT)]
      .map((m) => relative(SRC, resolve(dirname(file), m[1]!)).replace(/\.js$/, '.ts'));
    out.set(relative(SRC, file), [...new Set(imported)]);
  }
  return out;
}

/**
 * The import cycles among files, one per strongly connected group (Tarjan's algorithm), each
 * as a path that ends where it starts: `a.ts -> b.ts -> a.ts`.
 */
function fileCycles(graph: Map<string, string[]>): string[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const group: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      group.push(w);
    } while (w !== v);
    if (group.length > 1 || graph.get(v)!.includes(v)) groups.push(group);
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return groups.map((group) => {
    // the shortest way back to the group's first file, by breadth-first search inside it
    const members = new Set(group);
    const start = [...group].sort()[0]!;
    const from = new Map<string, string>();
    const queue = [start];
    while (queue.length > 0) {
      const v = queue.shift()!;
      const back = (graph.get(v) ?? []).includes(start);
      if (back) {
        const path = [start];
        for (let x = v; x !== start; x = from.get(x)!) path.splice(1, 0, x);
        return [...path, start].join(' -> ') + (group.length > path.length ? ` (${group.length} files in the group)` : '');
      }
      for (const w of graph.get(v) ?? []) {
        if (members.has(w) && !from.has(w) && w !== start) {
          from.set(w, v);
          queue.push(w);
        }
      }
    }
    return group.join(', ');
  });
}

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

test('no import cycle among the files of src/', () => {
  const cycles = fileCycles(fileGraph());
  assert.equal(cycles, [], `import cycles:\n  ${cycles.join('\n  ')}\n`);
});

test('a verb\'s flag declaration (cli/flags/) imports nothing but other declarations', () => {
  const outside = [...fileGraph()]
    .filter(([file]) => file.startsWith(join('cli', 'flags') + sep))
    .flatMap(([file, imported]) => imported.filter((i) => !i.startsWith(join('cli', 'flags') + sep)).map((i) => `${file} -> ${i}`));
  assert.equal(outside, [], 'flags/ declares; the work is in verbs/, which imports flags/ and not the other way');
});

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const cycle of fileCycles(fileGraph())) console.log(`cycle: ${cycle}`);
  for (const [edge, n] of [...graph()].sort()) {
    const [from, to] = edge.split(' -> ') as [string, string];
    console.log(`${edge} (${n})${RANK[to]! >= RANK[from]! ? '  UPWARD' : ''}`);
  }
}

test.run();
