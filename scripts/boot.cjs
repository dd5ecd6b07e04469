#!/usr/bin/env node
// nook's entry: compiles the CLI bundle (nook-main.cjs) through V8's code cache, kept in
// $XDG_CACHE_HOME/nook/code/. Node 20 has no compile cache of its own, and parsing the bundle
// afresh was the largest single cost of `nook run`. A cache that does not match (another
// build, another V8) is rejected by V8 and simply rewritten. One cache per verb, written at
// the end of its first run (at exit, or just before `run` execs the launcher): it then holds
// every function that verb compiled, not only the top level (~5 ms less CPU per `run`).
// CommonJS on purpose: an ESM entry makes Node set up its ESM loader first.
'use strict';
const { closeSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync } = require('node:fs');
const { createRequire } = require('node:module');
const { homedir } = require('node:os');
const { dirname, join } = require('node:path');
const { Script, constants } = require('node:vm');

// Node 20 flags the dynamic-import hook below as experimental on every use; it is fixed API
// in later Node versions and nothing a nook user can act on.
const emitWarning = process.emitWarning;
process.emitWarning = (warning, ...rest) => {
  if (!String(warning?.message ?? warning).includes('USE_MAIN_CONTEXT_DEFAULT_LOADER')) emitWarning.call(process, warning, ...rest);
};

const file = join(__dirname, 'nook-main.cjs');
const source = readFileSync(file, 'utf8');
const st = statSync(file);
const base = process.env.XDG_CACHE_HOME?.startsWith('/') ? process.env.XDG_CACHE_HOME : join(homedir(), '.cache');
const word = process.argv[2] ?? '';
const verb = /^-{0,2}[a-z]{1,16}$/.test(word) ? word.replace(/^-+/, '') : 'other';
const cacheFile = join(base, 'nook', 'code', `${process.version}-${st.size}-${Math.floor(st.mtimeMs)}-${verb}.bin`);
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  // first run of this build
}
const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
  filename: file,
  cachedData,
  // a JS config file is loaded with import(): let it use Node's own loader (Node 20.12+)
  importModuleDynamically: constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
});
const mod = { exports: {} };
script.runInThisContext()(mod.exports, createRequire(file), mod, file, dirname(file));
function writeCache() {
  try {
    mkdirSync(dirname(cacheFile), { recursive: true, mode: 0o700 });
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    writeSync(fd, script.createCachedData());
    closeSync(fd);
    renameSync(tmp, cacheFile);
  } catch {
    // a read-only home: run without a cache
  }
}
if (cachedData === undefined || script.cachedDataRejected) {
  // src/launcher/exec.ts emits 'nook-before-exec': no 'exit' follows an execve
  process.once('exit', writeCache);
  process.once('nook-before-exec', () => {
    process.off('exit', writeCache);
    writeCache();
  });
}
