// The Go-template subset behind --format: fields, functions, pipelines, control flow,
// Go's printing rules, table rendering, and errors for bad templates.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { executeTemplate, goMap, goString, parseTemplate, TemplateError } from '../../src/format/template.js';
import { alignColumns, renderListing } from '../../src/format/render.js';

const run = (src: string, data: unknown) => executeTemplate(parseTemplate(src), data);

test('fields, nested fields and dot', () => {
  const data = { ID: 'abc', State: { Running: true, Pid: 42 }, Args: ['a', 'b'] };
  assert.is(run('{{.ID}}', data), 'abc');
  assert.is(run('{{.State.Running}} {{.State.Pid}}', data), 'true 42');
  assert.is(run('{{.Args}}', data), '[a b]');
  assert.is(run('{{.}}', 'x'), 'x');
});

test('json: of dot, of a field, piped; HTML characters escaped as Go does', () => {
  assert.is(run('{{json .}}', { A: 1, B: 'x' }), '{"A":1,"B":"x"}');
  assert.is(run('{{json .A}}', { A: ['p', 'q'] }), '["p","q"]');
  assert.is(run('{{.A | json}}', { A: 'a<b>&' }), '"a\\u003cb\\u003e\\u0026"');
});

test('functions: join, upper, lower, title, index, len, printf, split, truncate', () => {
  const d = { L: ['x', 'y'], N: 'web', M: goMap({ k: 'v' }) };
  assert.is(run('{{join .L ","}}', d), 'x,y');
  assert.is(run('{{upper .N}} {{lower "AB"}} {{title "hello world"}}', d), 'WEB ab Hello World');
  assert.is(run('{{index .M "k"}} {{len .L}}', d), 'v 2');
  assert.is(run('{{printf "%s-%d" .N 3}}', d), 'web-3');
  assert.is(run('{{split "a:b" ":"}}', d), '[a b]');
  assert.is(run('{{truncate .N 2}}', d), 'we');
});

test('maps print like Go and a missing key is <no value>; a missing struct field fails', () => {
  assert.is(run('{{.Labels}}', { Labels: goMap({ b: '2', a: '1' }) }), 'map[a:1 b:2]');
  assert.is(run('{{.Labels.nope}}', { Labels: goMap({}) }), '<no value>');
  assert.throws(() => run('{{.Nope}}', { A: 1 }), /can't evaluate field Nope/);
});

test('method-like fields take arguments: {{.Label "k"}}', () => {
  const row = { Names: 'x' };
  Object.defineProperty(row, 'Label', { value: (k: string) => (k === 'app' ? 'web' : ''), enumerable: false });
  assert.is(run('{{.Label "app"}}|{{.Label "other"}}', row), 'web|');
});

test('if/else, range with and without variables, with, trim markers', () => {
  assert.is(run('{{if .A}}yes{{else}}no{{end}}', { A: false }), 'no');
  assert.is(run('{{range .L}}<{{.}}>{{end}}', { L: [1, 2] }), '<1><2>');
  assert.is(run('{{range $k, $v := .M}}{{$k}}={{$v}};{{end}}', { M: goMap({ b: 2, a: 1 }) }), 'a=1;b=2;');
  assert.is(run('{{range .L}}x{{else}}empty{{end}}', { L: [] }), 'empty');
  assert.is(run('{{with .S}}{{.Pid}}{{end}}', { S: { Pid: 7 } }), '7');
  assert.is(run('a  {{- .X -}}  b', { X: 1 }), 'a1b');
  assert.is(run('{{range .Mounts}}{{.Source}}:{{$.Name}} {{end}}', { Name: 'n', Mounts: [{ Source: '/a' }] }), '/a:n ');
});

test('bad templates are TemplateErrors with Go-like wording', () => {
  for (const [src, re] of [
    ['{{foo .X}}', /function "foo" not defined/],
    ['{{.X', /unclosed action/],
    ['{{if .X}}a', /unexpected EOF/],
    ['{{end}}', /unexpected \{\{end\}\}/],
    ['{{.X}}}}', null],
  ] as Array<[string, RegExp | null]>) {
    if (re === null) {
      assert.is(run(src, { X: 1 }), '1}}');
      continue;
    }
    try {
      parseTemplate(src);
      assert.unreachable(`${src} parsed`);
    } catch (err) {
      assert.instance(err, TemplateError, src);
      assert.match((err as Error).message, re, src);
      assert.ok((err as Error).message.startsWith('template: '));
    }
  }
});

test('goString prints like fmt %v', () => {
  assert.is(goString(undefined), '<no value>');
  assert.is(goString(null), '<nil>');
  assert.is(goString({ A: 1, B: 'x' }), '{1 x}');
  assert.is(goString([]), '[]');
});

test('table: header from the column names, columns aligned like Docker (min 10, padding 3)', () => {
  const out = renderListing('table {{.ID}}\t{{.Names}}', [{ ID: 'abc', Names: 'web' }, { ID: 'abcdefabcdef', Names: 'x' }], { ID: 'CONTAINER ID', Names: 'NAMES' });
  assert.is(out, 'CONTAINER ID   NAMES\nabc            web\nabcdefabcdef   x\n');
  // an empty listing still has its header
  assert.is(renderListing('table {{.ID}}', [], { ID: 'CONTAINER ID' }), 'CONTAINER ID\n');
  // without table, \t and \n written literally become real ones, no header
  assert.is(renderListing('{{.ID}}\\t{{.Names}}', [{ ID: 'a', Names: 'b' }], {}), 'a\tb\n');
  assert.equal(alignColumns(['a\tb', 'ccc\td']), ['a         b', 'ccc       d']);
});

test.run();
