// Finds, checks and merges the config files. This runs on every `nook run`, so the common case
// (no config file anywhere) must cost next to nothing: the candidates are probed with stat, and
// the parser is imported only once a file exists. Each file is refused unless it is the user's
// or root's and nobody else can change it; a project file may set only harmless keys
// (KEY_TRUST in schema.ts); files run no code.
import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, statSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import * as v from 'valibot';
import { NookError } from '../errors.js';
import { configHome } from '../paths.js';
import { parseGroup, parsePasswd } from '../core/users.js';
import { validateConfig } from './validate.js';
import { configSchema, type NookConfig } from './schema.js';
import { configCandidates, SYSTEM_CONFIG_DIR, type Layer, type SearchRoots } from './sources.js';
import { distrust, forbiddenInProject, mergeLayers, soleMemberGroup, type FileFacts, type LayerFile, type Origin } from './layers.js';

export interface FoundConfig {
  config: NookConfig;
  /** the files in effect, lowest layer first; empty when only the defaults apply */
  files: Array<{ layer: Layer; path: string }>;
  /** where each setting that a file set came from, by dotted key ("profile", "logs.maxFiles") */
  origins: Map<string, Origin>;
  /** config code files found on the way, never run */
  ignored: string[];
}

export function searchRoots(cwd: string): SearchRoots {
  return { cwd, home: homedir(), userDir: configHome(), systemDir: SYSTEM_CONFIG_DIR };
}

const isFile = (path: string): boolean => statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;

/**
 * A blank file holds no config, and a package.json only one with a "nook" key (a broken one
 * is npm's problem, not ours): the search goes on past them.
 */
function holdsConfig(path: string, text: string): boolean {
  if (!path.endsWith('/package.json')) return text.trim() !== '';
  try {
    const pkg: unknown = JSON.parse(text);
    return typeof pkg === 'object' && pkg !== null && Object.hasOwn(pkg, 'nook');
  } catch {
    return false;
  }
}

/**
 * A regular file's text with the fstat of the very file read, so what is judged is what was
 * read; null when there is none. O_NONBLOCK: a FIFO put in its place cannot hang nook.
 */
function readRegular(path: string): { text: string; st: Stats } | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    // gone, or a link to a socket: no file to read
    if (['ENOENT', 'ENXIO'].includes((err as NodeJS.ErrnoException).code ?? '')) return null;
    throw unreadable(path, err);
  }
  try {
    const st = fstatSync(fd);
    return st.isFile() ? { text: readFileSync(fd, 'utf8'), st } : null;
  } finally {
    closeSync(fd);
  }
}

/** One line for a file that cannot be parsed, with the position where the parser gives one. */
function unreadable(path: string, err: unknown): NookError {
  const e = err as { reason?: string; mark?: { line: number; column: number }; message?: string };
  if (e.reason && e.mark) {
    return new NookError(`config ${path}: YAML syntax error at line ${e.mark.line + 1}, column ${e.mark.column + 1}: ${e.reason}`);
  }
  const first = String(e.message ?? err).split('\n').find((l) => l.trim() !== '') ?? String(err);
  return new NookError(`config ${path}: ${err instanceof SyntaxError ? 'syntax error' : 'cannot load'}: ${first}`);
}

interface ReadConfig {
  path: string;
  text: string;
  facts: FileFacts;
}

/**
 * The first candidate that holds a config, with the facts to judge it by. The link's owner
 * and the directory are looked at before the file is opened: once the directory is found
 * safe (distrust), nobody else can swap the name between the two.
 */
function firstConfig(paths: ReadonlyArray<string>): ReadConfig | null {
  for (const path of paths) {
    // one syscall for a name that is not there (the common case); what a link leads to is
    // judged by the fstat of the opened file
    const link = lstatSync(path, { throwIfNoEntry: false });
    if (!link || !(link.isFile() || link.isSymbolicLink())) continue;
    const dir = dirname(path);
    const dst = statSync(dir);
    const linkUid = link.uid;
    const read = readRegular(path);
    if (!read || !holdsConfig(path, read.text)) continue;
    const { st } = read;
    return { path, text: read.text, facts: { path, linkUid, uid: st.uid, gid: st.gid, mode: st.mode, dir: { path: dir, uid: dst.uid, gid: dst.gid, mode: dst.mode } } };
  }
  return null;
}

/**
 * Whether a group holds only this user. passwd and group are read only for a group-writable
 * file or directory, and then once for the whole search.
 */
function ownGroupOf(uid: number): (gid: number) => boolean {
  let db: { passwd: ReturnType<typeof parsePasswd>; groups: ReturnType<typeof parseGroup> } | null | undefined;
  return (gid) => {
    if (db === undefined) {
      try {
        db = { passwd: parsePasswd(readFileSync('/etc/passwd', 'utf8')), groups: parseGroup(readFileSync('/etc/group', 'utf8')) };
      } catch {
        db = null;
      }
    }
    return db !== null && soleMemberGroup(gid, uid, db.passwd, db.groups);
  };
}

/** Judges one layer's file, then parses and checks it: whose it is before what it says. */
async function admit(layer: Layer, { path, text, facts }: ReadConfig, roots: SearchRoots, trust: { uid: number; ownGroup: (gid: number) => boolean }): Promise<LayerFile> {
  const refused = distrust(facts, trust.uid, trust.ownGroup);
  if (refused) throw new NookError(`config ${path}: refused: ${refused.reason}`, { hint: refused.fix });
  const { parseConfigText } = await import('./read-file.js');
  let value: unknown;
  try {
    value = parseConfigText(path, text);
  } catch (err) {
    throw unreadable(path, err);
  }
  // shape-checked here, so an error names this file; defaults are filled after the merge
  validateConfig(value, path);
  const raw = value as Record<string, unknown>;
  const key = layer === 'project' ? forbiddenInProject(raw) : undefined;
  if (key) {
    throw new NookError(`config ${path}: ${key} may not be set by a project file, only by your own config (it can weaken the sandbox or redirect what nook trusts)`, {
      hint: `move it to ${join(roots.userDir, 'config.yaml')}`,
    });
  }
  return { layer, path, raw };
}

export async function findConfig(cwd: string = process.cwd(), roots: SearchRoots = searchRoots(cwd)): Promise<FoundConfig> {
  const files: LayerFile[] = [];
  const ignored: string[] = [];
  const uid = process.getuid?.() ?? 0;
  const trust = { uid, ownGroup: ownGroupOf(uid) };
  for (const group of configCandidates(roots)) {
    // the project layer is the nearest directory holding a config, no further
    if (group.layer === 'project' && files.some((f) => f.layer === 'project')) break;
    ignored.push(...group.ignored.filter(isFile));
    const found = firstConfig(group.files);
    if (found) files.push(await admit(group.layer, found, roots, trust));
  }
  const { raw, origins } = mergeLayers(files);
  return {
    config: v.parse(configSchema, raw),
    files: files.map(({ layer, path }) => ({ layer, path })),
    origins,
    ignored,
  };
}

/** The lines for stderr: each code file ignored, and the project file in effect. */
export function configNotices(found: FoundConfig): string[] {
  return [
    ...found.ignored.map((path) => `nook: notice: ignoring ${path}: nook never runs config code; write it as YAML or JSON`),
    ...found.files.filter((f) => f.layer === 'project').map((f) => `nook: using config ${f.path} (project)`),
  ];
}

/** Writes the notices to stderr. */
export function announce(found: FoundConfig): void {
  for (const line of configNotices(found)) process.stderr.write(line + '\n');
}

const loaded = new Map<string, Promise<NookConfig>>();

/**
 * The effective configuration: the layers merged, defaults filled; its notices written. Found
 * once per process and directory: `run` and the pull it may start both ask.
 */
export function loadConfig(cwd: string = process.cwd()): Promise<NookConfig> {
  let config = loaded.get(cwd);
  if (!config) {
    config = findConfig(cwd).then((found) => {
      announce(found);
      return found.config;
    });
    loaded.set(cwd, config);
  }
  return config;
}
