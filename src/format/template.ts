// A subset of Go's text/template, as Docker's --format uses it: {{.A.B}}, {{.}}, pipelines
// ({{.X | json}}), functions (json, join, split, upper, lower, title, truncate, pad, index,
// len, printf, println), method-like fields with arguments ({{.Label "k"}}), variables,
// {{if}}/{{else}}, {{range}} and {{with}}, and trim markers ({{- -}}). Pure: parse once,
// then execute against plain values. Errors read like Go's, prefixed "template: ".
import { NookError } from '../errors.js';
import { escapeJsonControls, terminalSafe } from '../util/terminal-text.js';

/** Marks an object as a Go map: a missing key prints <no value> instead of failing. */
const MAP = Symbol('go-map');
export function goMap<T extends object>(value: T): T {
  Object.defineProperty(value, MAP, { value: true, enumerable: false });
  return value;
}
const isMap = (v: unknown): boolean => typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[MAP] === true;

type Arg =
  | { kind: 'field'; base: 'dot' | string; path: string[]; pos: number } // .A.B, $x.A, $
  | { kind: 'literal'; value: unknown }
  | { kind: 'pipe'; pipe: Pipeline };
interface Cmd { fn?: string; args: Arg[]; pos: number }
interface Pipeline { decl: string[]; cmds: Cmd[] }
type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipe: Pipeline }
  | { kind: 'if' | 'with'; pipe: Pipeline; then: Node[]; else: Node[] }
  | { kind: 'range'; pipe: Pipeline; body: Node[]; else: Node[] };

export class TemplateError extends NookError {}

const fail = (msg: string): never => {
  throw new TemplateError(`template: ${msg}`, { hint: 'see the --format help for the fields' });
};

// ---------------------------------------------------------------- lexing
interface Action { body: string; pos: number }

function split(src: string): Array<string | Action> {
  const out: Array<string | Action> = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      out.push(src.slice(i));
      break;
    }
    let text = src.slice(i, open);
    let start = open + 2;
    if (src.startsWith('- ', start) || src.startsWith('-\t', start)) {
      text = text.replace(/\s+$/, '');
      start += 1;
    }
    const close = src.indexOf('}}', start);
    if (close < 0) fail(':1: unclosed action');
    let end = close;
    let trimAfter = false;
    if (src[close - 1] === '-' && /\s/.test(src[close - 2] ?? '')) {
      end = close - 1;
      trimAfter = true;
    }
    if (text) out.push(text);
    out.push({ body: src.slice(start, end).trim(), pos: start + 1 });
    i = close + 2;
    if (trimAfter) while (i < src.length && /\s/.test(src[i]!)) i++;
  }
  return out;
}

function tokens(body: string): string[] {
  const out: string[] = [];
  const re = /\s*("(?:[^"\\]|\\.)*"|`[^`]*`|\(|\)|\||:=|,|[^\s()|,]+)/gy;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(body)) !== null) {
    out.push(m[1]!);
    end = re.lastIndex;
  }
  if (body.slice(end).trim()) fail(`:1: unexpected "${body.slice(end).trim()}" in command`);
  return out;
}

// ---------------------------------------------------------------- parsing
const FUNCS = new Set(['json', 'join', 'split', 'upper', 'lower', 'title', 'truncate', 'pad', 'index', 'len', 'printf', 'println', 'print', 'not', 'eq', 'ne', 'and', 'or']);

function parseOperand(tok: string, pos: number): Arg {
  if (tok.startsWith('"')) return { kind: 'literal', value: JSON.parse(tok) as string };
  if (tok.startsWith('`')) return { kind: 'literal', value: tok.slice(1, -1) };
  if (/^-?\d+(\.\d+)?$/.test(tok)) return { kind: 'literal', value: Number(tok) };
  if (tok === 'true' || tok === 'false') return { kind: 'literal', value: tok === 'true' };
  if (tok === 'nil') return { kind: 'literal', value: null };
  if (tok === '.') return { kind: 'field', base: 'dot', path: [], pos };
  if (/^(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(tok)) return { kind: 'field', base: 'dot', path: tok.slice(1).split('.'), pos };
  const v = /^(\$[A-Za-z0-9_]*)((?:\.[A-Za-z_][A-Za-z0-9_]*)*)$/.exec(tok);
  if (v) return { kind: 'field', base: v[1]!, path: v[2] ? v[2].slice(1).split('.') : [], pos };
  if (/^[A-Za-z_]\w*$/.test(tok)) fail(`:1: function "${tok}" not defined`);
  return fail(`:1: unexpected "${tok}" in operand`);
}

function parsePipeline(toks: string[], pos: number): Pipeline {
  let decl: string[] = [];
  const assign = toks.indexOf(':=');
  if (assign >= 0) {
    decl = toks.slice(0, assign).filter((t) => t !== ',');
    if (decl.length === 0 || decl.length > 2 || !decl.every((d) => /^\$\w+$/.test(d))) fail(':1: bad variable declaration');
    toks = toks.slice(assign + 1);
  }
  const cmds: Cmd[] = [];
  let i = 0;
  const parseCmd = (): Cmd => {
    const cmd: Cmd = { args: [], pos };
    while (i < toks.length && toks[i] !== '|' && toks[i] !== ')') {
      const t = toks[i++]!;
      if (t === '(') {
        const inner: string[] = [];
        let depth = 1;
        while (i < toks.length) {
          const u = toks[i++]!;
          if (u === '(') depth++;
          if (u === ')' && --depth === 0) break;
          inner.push(u);
        }
        if (depth !== 0) fail(':1: unclosed left paren');
        cmd.args.push({ kind: 'pipe', pipe: parsePipeline(inner, pos) });
      } else if (cmd.args.length === 0 && cmd.fn === undefined && FUNCS.has(t)) {
        cmd.fn = t;
      } else {
        cmd.args.push(parseOperand(t, pos));
      }
    }
    if (cmd.fn === undefined && cmd.args.length === 0) fail(':1: missing value for command');
    return cmd;
  };
  for (;;) {
    cmds.push(parseCmd());
    if (i >= toks.length) break;
    if (toks[i] === ')') fail(':1: unexpected right paren');
    i++; // '|'
  }
  return { decl, cmds };
}

function parseNodes(parts: Array<string | Action>, at: { i: number }, closers: string[]): { nodes: Node[]; closer: string } {
  const nodes: Node[] = [];
  while (at.i < parts.length) {
    const p = parts[at.i++]!;
    if (typeof p === 'string') {
      nodes.push({ kind: 'text', text: p });
      continue;
    }
    const [word, ...rest] = tokens(p.body);
    if (word === undefined) fail(':1: missing value for command');
    if (word === 'end' || word === 'else') {
      if (!closers.includes(word)) fail(`:1: unexpected {{${word}}}`);
      return { nodes, closer: word };
    }
    if (word === 'if' || word === 'with' || word === 'range') {
      const pipe = parsePipeline(rest, p.pos);
      const body = parseNodes(parts, at, ['else', 'end']);
      const otherwise = body.closer === 'else' ? parseNodes(parts, at, ['end']).nodes : [];
      nodes.push(word === 'range' ? { kind: 'range', pipe, body: body.nodes, else: otherwise } : { kind: word, pipe, then: body.nodes, else: otherwise });
      continue;
    }
    if (word.startsWith('/*')) continue;
    nodes.push({ kind: 'action', pipe: parsePipeline([word, ...rest], p.pos) });
  }
  if (closers.length > 0) fail(':1: unexpected EOF');
  return { nodes, closer: '' };
}

export interface Template { nodes: Node[] }

/** Parses a template; a syntax error or an unknown function is a TemplateError. */
export function parseTemplate(src: string): Template {
  return { nodes: parseNodes(split(src), { i: 0 }, []).nodes };
}

// ---------------------------------------------------------------- executing
/** Go's default printing of a value (fmt %v). */
export function goString(v: unknown): string {
  if (v === undefined) return '<no value>';
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goString).join(' ')}]`;
  if (typeof v === 'object') {
    if (isMap(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${goString((v as Record<string, unknown>)[k])}`).join(' ')}]`;
    return `{${Object.values(v).filter((x) => typeof x !== 'function').map(goString).join(' ')}}`;
  }
  return String(v);
}

/** Go's json.Marshal: HTML characters escaped, no spaces; also DEL and C1 controls, for the terminal. */
export function goJson(v: unknown): string {
  return escapeJsonControls(JSON.stringify(v === undefined ? null : v) ?? 'null').replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
}

const truthy = (v: unknown): boolean =>
  !(v === undefined || v === null || v === false || v === 0 || v === '' || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && Object.keys(v as object).length === 0));

function printf(format: string, args: unknown[]): string {
  let k = 0;
  return format.replace(/%([-+ 0#]*\d*)([svdqt%])/g, (_m, _flags: string, verb: string) => {
    if (verb === '%') return '%';
    const a = args[k++];
    if (verb === 'q') return JSON.stringify(goString(a));
    return goString(a);
  });
}

const functions: Record<string, (...a: unknown[]) => unknown> = {
  json: (v) => goJson(v),
  join: (list, sep) => (Array.isArray(list) ? list.map(goString).join(String(sep)) : goString(list)),
  split: (s, sep) => String(s).split(String(sep)),
  upper: (s) => goString(s).toUpperCase(),
  lower: (s) => goString(s).toLowerCase(),
  title: (s) => goString(s).replace(/\b\w/g, (c) => c.toUpperCase()),
  truncate: (s, n) => goString(s).slice(0, Number(n)),
  pad: (s, before, after) => ' '.repeat(Number(before)) + goString(s) + ' '.repeat(Number(after)),
  index: (v, ...keys) => keys.reduce<unknown>((acc, k) => (acc == null ? undefined : (acc as Record<string, unknown>)[String(k)]), v),
  len: (v) => (typeof v === 'string' || Array.isArray(v) ? v.length : Object.keys(v as object).length),
  printf: (f, ...a) => printf(String(f), a),
  print: (...a) => a.map(goString).join(''),
  println: (...a) => a.map(goString).join(' ') + '\n',
  not: (v) => !truthy(v),
  eq: (a, ...b) => b.some((x) => x === a),
  ne: (a, b) => a !== b,
  and: (...a) => a.find((x) => !truthy(x)) ?? a[a.length - 1],
  or: (...a) => a.find((x) => truthy(x)) ?? a[a.length - 1],
};

interface Scope { dot: unknown; vars: Map<string, unknown> }

function field(value: unknown, name: string, pos: number, chain: string): unknown {
  if (value === null || value === undefined) {
    if (value === undefined) return undefined;
    fail(`:1:${pos}: executing "" at <${chain}>: nil pointer evaluating ${name}`);
  }
  if (typeof value !== 'object') fail(`:1:${pos}: executing "" at <${chain}>: can't evaluate field ${name} in type ${typeof value}`);
  const obj = value as Record<string, unknown>;
  if (Object.prototype.hasOwnProperty.call(obj, name)) return obj[name];
  if (isMap(obj)) return undefined;
  return fail(`:1:${pos}: executing "" at <${chain}>: can't evaluate field ${name}`);
}

function evalArg(a: Arg, s: Scope, extra: unknown[]): unknown {
  if (a.kind === 'literal') return a.value;
  if (a.kind === 'pipe') return runPipeline(a.pipe, s);
  let v: unknown;
  if (a.base === 'dot') v = s.dot;
  else if (a.base === '$') v = s.vars.get('$');
  else if (s.vars.has(a.base)) v = s.vars.get(a.base);
  else fail(`:1: undefined variable "${a.base}"`);
  const chain = (a.base === 'dot' ? '' : a.base) + a.path.map((p) => '.' + p).join('') || '.';
  for (let i = 0; i < a.path.length; i++) {
    v = field(v, a.path[i]!, a.pos, chain);
    if (typeof v === 'function') v = (v as (...x: unknown[]) => unknown)(...(i === a.path.length - 1 ? extra : []));
    else if (i === a.path.length - 1 && extra.length > 0) fail(`:1:${a.pos}: executing "" at <${chain}>: ${a.path[i]} has arguments but cannot be invoked as function`);
  }
  return v;
}

function runPipeline(p: Pipeline, s: Scope): unknown {
  let prev: unknown;
  let first = true;
  for (const c of p.cmds) {
    const piped = first ? [] : [prev];
    if (c.fn !== undefined) {
      const args = c.args.map((a) => evalArg(a, s, []));
      prev = functions[c.fn]!(...args, ...piped);
    } else {
      const [head, ...rest] = c.args;
      const extra = [...rest.map((a) => evalArg(a, s, [])), ...piped];
      if (head!.kind !== 'field' && extra.length > 0) fail(`:1: can't give argument to non-function`);
      prev = evalArg(head!, s, extra);
    }
    first = false;
  }
  return prev;
}

function execNodes(nodes: Node[], s: Scope, out: string[]): void {
  for (const n of nodes) {
    if (n.kind === 'text') out.push(n.text);
    else if (n.kind === 'action') {
      const v = runPipeline(n.pipe, s);
      if (n.pipe.decl.length > 0) s.vars.set(n.pipe.decl[0]!, v);
      // values come from images and registries; the template's own text is the user's
      else out.push(terminalSafe(goString(v)));
    } else if (n.kind !== 'range') {
      const v = runPipeline(n.pipe, s);
      if (n.pipe.decl.length > 0) s.vars.set(n.pipe.decl[0]!, v);
      if (truthy(v)) execNodes(n.then, n.kind === 'with' ? { dot: v, vars: s.vars } : s, out);
      else execNodes(n.else, s, out);
    } else {
      const v = runPipeline(n.pipe, s);
      const entries: Array<[unknown, unknown]> = Array.isArray(v)
        ? v.map((x, i) => [i, x])
        : v && typeof v === 'object' ? Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]) : [];
      if (entries.length === 0) execNodes(n.else, s, out);
      for (const [k, x] of entries) {
        const vars = new Map(s.vars);
        if (n.pipe.decl.length === 2) {
          vars.set(n.pipe.decl[0]!, k);
          vars.set(n.pipe.decl[1]!, x);
        } else if (n.pipe.decl.length === 1) vars.set(n.pipe.decl[0]!, x);
        execNodes(n.body, { dot: x, vars }, out);
      }
    }
  }
}

/** Executes a parsed template with `data` as dot. */
export function executeTemplate(t: Template, data: unknown): string {
  const out: string[] = [];
  execNodes(t.nodes, { dot: data, vars: new Map([['$', data]]) }, out);
  return out.join('');
}
