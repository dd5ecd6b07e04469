import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { escapeJsonControls, terminalJson, terminalSafe } from '../../src/util/terminal-text.js';
import { goJson } from '../../src/format/template.js';
import { alignRows, parseFormat } from '../../src/format/render.js';
import { formatError, NookError } from '../../src/errors.js';

const HOSTILE = '\x1b]0;pwned\x07\x1b[2J\u009b31m\r\x7f\x00';
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

test('terminalSafe: C0 (but tab and newline), DEL and C1 shown as \\xNN', () => {
  assert.is(terminalSafe(HOSTILE), '\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\\x0d\\x7f\\x00');
  assert.is(terminalSafe('a\tb\nc'), 'a\tb\nc');
});

test('terminalSafe leaves UTF-8 alone, and is idempotent', () => {
  const text = 'café ☕ 日本語 emoji 🐳 ÿ \u00a0nbsp';
  assert.is(terminalSafe(text), text);
  assert.is(terminalSafe(terminalSafe(HOSTILE)), terminalSafe(HOSTILE));
});

test('JSON for a terminal: the same value, no raw control left', () => {
  const value = { label: HOSTILE, name: 'ok ☕' };
  for (const text of [terminalJson(value, 4), goJson(value), escapeJsonControls(JSON.stringify([HOSTILE]))]) {
    assert.not.match(text, RAW);
  }
  assert.equal(JSON.parse(terminalJson(value, 4)), value);
  assert.equal(JSON.parse(goJson(value)), value);
});

test('templates, tables and errors print no raw control', () => {
  assert.not.match(parseFormat('{{.Label}} {{json .}} {{printf "%s" .Label}}').render({ Label: HOSTILE }), RAW);
  // the user's own template text may colour the output
  assert.is(parseFormat('\x1b[1m{{.Label}}\x1b[0m').render({ Label: '\x1b[2J' }), '\x1b[1m\\x1b[2J\x1b[0m');
  assert.not.match(alignRows([['A', 'B'], [HOSTILE, 'x']]).join('\n'), RAW);
  const { text, exitCode } = formatError(new NookError(`pull: registry says: ${HOSTILE}`));
  assert.is(text, 'nook: pull: registry says: \\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\\x0d\\x7f\\x00');
  assert.is(exitCode, 125);
});

test.run();
