// `nook serve`'s request lines, pure: what a run request becomes, and every malformed or
// hostile line as one error (never a throw): bad JSON, unknown ops and fields, bad limits,
// file paths that would leave /box.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_OUTPUT, boxRelativePath, outputField, parseRequestLine, type ParsedLine } from '../../src/core/serve-protocol.js';

const run = (req: Record<string, unknown>): ParsedLine => parseRequestLine(JSON.stringify({ id: 7, op: 'run', image: 'busybox', cmd: ['true'], ...req }));
const error = (p: ParsedLine): string => {
  assert.ok(!p.ok, `expected an error, got ${JSON.stringify(p)}`);
  return p.error;
};

test('a run request: limits as the --limits spec (output defaulted), files relative to /box, text and base64 content, env as KEY=VALUE', () => {
  const p = run({ limits: { time: 2, mem: '256M', procs: 16 }, files: { '/box/src/a.c': 'int main;', '/box/b': { base64: 'AAH/' } }, stdin: 'in', env: { N: '1' }, workdir: '/box/src' });
  assert.ok(p.ok);
  assert.is(p.run.limitsSpec, `time=2,mem=256M,procs=16,output=${DEFAULT_OUTPUT}`);
  assert.equal(p.run.limits, { extra: 0, time: 2, mem: 256 * 1024 ** 2, procs: 16, output: DEFAULT_OUTPUT });
  assert.equal(p.run.files.map((f) => [f.path, [...f.content]]), [['src/a.c', [...Buffer.from('int main;')]], ['b', [0, 1, 255]]]);
  assert.equal([p.run.id, p.run.image, p.run.cmd, p.run.env, p.run.workdir, p.run.stdin?.toString()], [7, 'busybox', ['true'], ['N=1'], '/box/src', 'in']);
  const given = run({ limits: { output: '1M' } });
  assert.ok(given.ok);
  assert.is(given.run.limitsSpec, 'output=1M');
});

test('malformed and hostile lines are one error each, with the id when there is one', () => {
  for (const line of ['', 'nope', '[1]', 'null', '"run"', '{"id": 1, "op": "run"']) {
    assert.equal(parseRequestLine(line), { ok: false, id: null, error: 'malformed request: not a JSON object' }, line);
  }
  assert.equal(parseRequestLine('{"id": "a", "op": "exec"}'), { ok: false, id: 'a', error: 'unknown op "exec" (the one op is "run")' });
  assert.match(error(parseRequestLine('{"id": {}, "op": "run"}')), /id must be a string or a number/);
  assert.match(error(run({ op: undefined })), /no op/);
  assert.match(error(run({ rootfs: '/' })), /unknown field "rootfs"/);
  assert.match(error(run({ image: '' })), /image must be a non-empty string/);
  assert.match(error(run({ cmd: [] })), /cmd must be a non-empty array of strings/);
  assert.match(error(run({ cmd: ['sh', 1] })), /cmd must be a non-empty array of strings/);
  assert.match(error(run({ cmd: ['a\0b'] })), /cmd must not hold a NUL byte/);
  assert.match(error(run({ limits: { time: 'soon' } })), /time=soon is not a number of seconds/);
  assert.match(error(run({ limits: { cpu: 1 } })), /unknown key "cpu"/);
  assert.match(error(run({ limits: { mem: '1M,procs=99999' } })), /invalid limits: mem=/);
  assert.match(error(run({ limits: [1] })), /limits must be an object/);
  assert.match(error(run({ stdin: { base64: '!!' } })), /stdin is not valid base64/);
  assert.match(error(run({ files: { '/box/a': 5 } })), /file \/box\/a must be a string or \{"base64"/);
  assert.match(error(run({ files: { '/box/a': 'x', '/box/a/b': 'y' } })), /\/box\/a is both a file and a directory/);
  assert.match(error(run({ env: { 'A=B': 'x' } })), /invalid env name/);
  assert.match(error(run({ workdir: 'box' })), /workdir must be an absolute path/);
});

test('file paths: absolute, inside /box, no empty, . or .. component', () => {
  assert.is(boxRelativePath('/box/a/b.txt'), 'a/b.txt');
  for (const bad of ['/box', '/box/', '/etc/passwd', 'box/a', '/boxes/a', '/box/../etc/passwd', '/box/a/../../x', '/box/./a', '/box//a', '/box/a/', '/box/a\0b']) {
    assert.throws(() => boxRelativePath(bad), (e: Error) => /invalid file path/.test(e.message), bad);
  }
});

test('outputs: UTF-8 as text, anything else as base64', () => {
  assert.is(outputField(Buffer.from('héllo\n')), 'héllo\n');
  assert.equal(outputField(Buffer.from([0x68, 0xff, 0x00])), { base64: Buffer.from([0x68, 0xff, 0x00]).toString('base64') });
  assert.is(outputField(Buffer.alloc(0)), '');
});

test.run();
