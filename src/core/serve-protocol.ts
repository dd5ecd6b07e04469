// `nook serve`'s JSON-lines protocol, pure: a request line as a checked run (or one error
// line), and the box's outputs as answer fields. The vocabulary is documented in docs/serve.md;
// src/cli/verbs/serve.ts reads and writes the lines, src/cli/verbs/run.ts runs the box.
import { NookError } from '../errors.js';
import { LIMIT_KEYS, parseLimits, type JudgeLimits } from './judge-plan.js';

/** Where `files` are placed in the box: a per-run scratch directory, bind-mounted here. */
export const BOX_DIR = '/box';

/** `output` when a request gives none (stdout and stderr together, bytes). */
export const DEFAULT_OUTPUT = 16 * 1024 * 1024;

export type RequestId = string | number | null;

/** A checked `run` request. */
export interface ServeRun {
  id: RequestId;
  image: string;
  cmd: string[];
  /** path under BOX_DIR (relative, checked) -> content */
  files: { path: string; content: Buffer }[];
  stdin: Buffer | undefined;
  /** the `--limits` spec the limits object stands for, and its parse */
  limitsSpec: string;
  limits: JudgeLimits;
  /** KEY=VALUE, as -e takes them */
  env: string[];
  workdir: string | undefined;
}

export type ParsedLine = { ok: true; run: ServeRun } | { ok: false; id: RequestId; error: string };

const KNOWN = new Set(['id', 'op', 'image', 'cmd', 'files', 'stdin', 'limits', 'env', 'workdir']);

/** One request line; never throws: whatever is wrong with it is the error answer's line. */
export function parseRequestLine(line: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, id: null, error: 'malformed request: not a JSON object' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, id: null, error: 'malformed request: not a JSON object' };
  const req = value as Record<string, unknown>;
  const id = typeof req['id'] === 'string' || typeof req['id'] === 'number' ? req['id'] : null;
  try {
    return { ok: true, run: checkRun(req, id) };
  } catch (e) {
    if (e instanceof NookError) return { ok: false, id, error: e.message };
    throw e;
  }
}

function bad(message: string): never {
  throw new NookError(message);
}

function checkRun(req: Record<string, unknown>, id: RequestId): ServeRun {
  if (req['id'] !== undefined && id === null) bad('invalid request: id must be a string or a number');
  if (req['op'] !== 'run') bad(req['op'] === undefined ? 'invalid request: no op (the one op is "run")' : `unknown op ${JSON.stringify(req['op'])} (the one op is "run")`);
  for (const key of Object.keys(req)) if (!KNOWN.has(key)) bad(`invalid request: unknown field ${JSON.stringify(key)}`);
  const image = req['image'];
  if (typeof image !== 'string' || image === '') bad('invalid request: image must be a non-empty string');
  const cmd = req['cmd'];
  if (!Array.isArray(cmd) || cmd.length === 0 || !cmd.every((a) => typeof a === 'string')) bad('invalid request: cmd must be a non-empty array of strings');
  if (cmd.some((a: string) => a.includes('\0'))) bad('invalid request: cmd must not hold a NUL byte');
  const workdir = req['workdir'];
  if (workdir !== undefined && (typeof workdir !== 'string' || !workdir.startsWith('/'))) bad('invalid request: workdir must be an absolute path');
  const stdin = req['stdin'];
  const given = limitsSpecOf(req['limits']);
  // the outputs are held in the server's memory until answered: never unbounded
  const limitsSpec = /(^|,)output=/.test(given) ? given : [given, `output=${DEFAULT_OUTPUT}`].filter(Boolean).join(',');
  return {
    id, image, cmd: cmd as string[],
    files: filesOf(req['files']),
    stdin: stdin === undefined ? undefined : contentOf(stdin, 'stdin'),
    limitsSpec, limits: parseLimits(limitsSpec),
    env: envOf(req['env']),
    workdir,
  };
}

/** `{"time": 2, "mem": "256M"}` as `time=2,mem=256M`: the CLI's parser then checks the values. */
function limitsSpecOf(limits: unknown): string {
  if (limits === undefined) return '';
  if (typeof limits !== 'object' || limits === null || Array.isArray(limits)) bad('invalid request: limits must be an object');
  return Object.entries(limits).map(([k, v]) => {
    if (!(LIMIT_KEYS as readonly string[]).includes(k)) bad(`invalid limits: unknown key ${JSON.stringify(k)} (use ${LIMIT_KEYS.join(', ')})`);
    if (!(typeof v === 'number' && Number.isFinite(v)) && typeof v !== 'string') bad(`invalid limits: ${k} must be a number or a string`);
    const s = String(v);
    if (/[,=]/.test(s)) bad(`invalid limits: ${k}=${JSON.stringify(s)}`);
    return `${k}=${s}`;
  }).join(',');
}

function contentOf(v: unknown, what: string): Buffer {
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { base64?: unknown }).base64 === 'string') {
    const b64 = (v as { base64: string }).base64;
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) bad(`invalid request: ${what} is not valid base64`);
    return Buffer.from(b64, 'base64');
  }
  bad(`invalid request: ${what} must be a string or {"base64": "..."}`);
}

/**
 * A file's box path as a path relative to the scratch directory: absolute, inside /box, no
 * empty, `.` or `..` component, no NUL; so it cannot name anything outside the scratch.
 */
export function boxRelativePath(path: string): string {
  const parts = path.split('/');
  if (parts[0] !== '' || parts[1] !== BOX_DIR.slice(1) || parts.length < 3) bad(`invalid file path ${JSON.stringify(path)}: it must be inside ${BOX_DIR}/`);
  const rest = parts.slice(2);
  if (rest.some((p) => p === '' || p === '.' || p === '..' || p.includes('\0'))) bad(`invalid file path ${JSON.stringify(path)}: empty, . and .. components are refused`);
  return rest.join('/');
}

function filesOf(files: unknown): ServeRun['files'] {
  if (files === undefined) return [];
  if (typeof files !== 'object' || files === null || Array.isArray(files)) bad('invalid request: files must be an object of path: content');
  const out = Object.entries(files).map(([p, c]) => ({ path: boxRelativePath(p), content: contentOf(c, `file ${p}`) }));
  // a file that is also another's directory could not be placed
  const paths = new Set(out.map((f) => f.path));
  for (const f of out) {
    const parts = f.path.split('/');
    for (let i = 1; i < parts.length; i++) if (paths.has(parts.slice(0, i).join('/'))) bad(`invalid request: ${BOX_DIR}/${parts.slice(0, i).join('/')} is both a file and a directory`);
  }
  return out;
}

function envOf(env: unknown): string[] {
  if (env === undefined) return [];
  if (typeof env !== 'object' || env === null || Array.isArray(env)) bad('invalid request: env must be an object of NAME: value');
  return Object.entries(env).map(([k, v]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) bad(`invalid env name ${JSON.stringify(k)}`);
    if (typeof v !== 'string' || v.includes('\0')) bad(`invalid env ${k}: the value must be a string without NUL`);
    return `${k}=${v}`;
  });
}

/** An output as the answer carries it: the text when it is UTF-8, else {"base64": ...}. */
export function outputField(data: Buffer): string | { base64: string } {
  const text = data.toString('utf8');
  return Buffer.from(text, 'utf8').equals(data) ? text : { base64: data.toString('base64') };
}
