// Issue 16, `nook cp` and `nook export` as the unprivileged user against busybox roots made to
// escape: the container's own tar (which cp and export run) confined like the container or
// tighter; links and `..` in the container's tree never reaching the host, in both
// directions; and a hostile tar stream (the container replaced its tar) unpacked on the host
// without writing outside the destination or making device or set-id files.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nook, processesOf, startNook, waitFor, type Result } from './harness.js';
import { buildTar } from '../unit/image-tar-builder.js';
import { escapingRoot as kitRoot, ranOrRefused, victim } from './escape-kit.js';

const test = suite('copy-escapes');

const v = victim('nook-copy-escapes-');
const { work, outside } = v;
const outsideIsUntouched = v.assertUntouched;
const hostFile = join(work, 'hostfile');
writeFileSync(hostFile, 'from the host\n');

function ok(r: Result, what: string): Result {
  assert.is(r.code, 0, `${what}: exit ${r.code}\n${r.stderr}`);
  return r;
}

const TOOLS = ['sh', 'tar', 'cat', 'ls', 'mkdir', 'mktemp', 'rm', 'mv', 'dirname', 'basename', 'readlink', 'sleep', 'echo', 'true', 'test', 'printf'];

/** escape-kit's root, with a link to / and a file of its own */
function escapingRoot(): string {
  const root = kitRoot(v, TOOLS, ['proc', 'dev', 'sys', 'tmp', 'etc']);
  symlinkSync('/', join(root, 'top'));
  writeFileSync(join(root, 'inside'), 'from the container\n');
  return root;
}

/**
 * Replaces one of the root's programs with a script (the container may do so to any binary of
 * its own). cp runs the container's sh, whose tar is its built-in applet; export runs its tar.
 */
function replaceTool(root: string, tool: 'sh' | 'tar', script: string): void {
  rmSync(join(root, 'bin', tool));
  writeFileSync(join(root, 'bin', tool), `#!/bin/busybox sh\n${script}\n`, { mode: 0o755 });
}

let counter = 0;
/** A detached container on `root`; removed with the others at the end. */
async function boxOn(root: string, ...flags: string[]): Promise<string> {
  const name = `cpx${process.pid}-${counter++}`;
  ok(await nook(['run', '-d', '--name', name, '--network', 'none', ...flags, '--rootfs', root, 'sleep', '300']), `run ${name}`);
  return name;
}

test.after(async () => {
  const names = Array.from({ length: counter }, (_, i) => `cpx${process.pid}-${i}`);
  if (names.length > 0) await nook(['rm', '-f', ...names]);
  rmSync(work, { recursive: true, force: true });
});

interface Confinement { capEff: bigint; noNewPrivs: number; seccomp: number }
function confinementOf(status: string, what: string): Confinement {
  const field = (name: string) => {
    const m = new RegExp(`${name}:\\s+([0-9a-f]+)`).exec(status);
    if (!m) throw new Error(`${what}: no ${name} in: ${status}`);
    return m[1]!;
  };
  return { capEff: BigInt('0x' + field('CapEff')), noNewPrivs: Number(field('NoNewPrivs')), seccomp: Number(field('Seccomp')) };
}
/** Bits of linux/capability.h */
const CAP = { CHOWN: 1n << 0n, DAC_OVERRIDE: 1n << 1n, FOWNER: 1n << 3n, FSETID: 1n << 4n };

function assertConfined(got: Confinement, caps: bigint, what: string): void {
  assert.is(got.noNewPrivs, 1, `${what}: no_new_privs`);
  assert.is(got.seccomp, 2, `${what}: a seccomp filter`);
  assert.is(got.capEff.toString(16), caps.toString(16), `${what}: effective capabilities`);
}

/** The replaced program reports its own credentials on stderr, which cp's error line carries. */
const REPORT = `while IFS= read -r l; do case $l in CapEff*|NoNewPrivs*|Seccomp:*) printf '%s ' "$l" >&2 ;; esac; done < /proc/self/status; echo >&2; exit 1`;

test('cp runs the container\'s sh and tar with no_new_privs, a seccomp filter and only the capabilities tar needs', async () => {
  const root = escapingRoot();
  replaceTool(root, 'sh', REPORT);
  for (const flags of [[], ['--privileged']]) {
    const box = await boxOn(root, ...flags);
    const what = flags.join(' ') || 'default';
    const out = await nook(['cp', `${box}:/inside`, join(work, 'never')]);
    assert.is(out.code, 125, `${what}: ${out.stderr}`);
    assertConfined(confinementOf(out.stderr, what), CAP.DAC_OVERRIDE, `${what}: cp out`);
    const into = await nook(['cp', hostFile, `${box}:/tmp`]);
    assert.is(into.code, 125, `${what}: ${into.stderr}`);
    assertConfined(confinementOf(into.stderr, what), CAP.DAC_OVERRIDE | CAP.FOWNER | CAP.FSETID, `${what}: cp in`);
    const owners = await nook(['cp', '-a', hostFile, `${box}:/tmp`]);
    assertConfined(confinementOf(owners.stderr, what), CAP.CHOWN | CAP.DAC_OVERRIDE | CAP.FOWNER | CAP.FSETID, `${what}: cp -a in`);
  }
  // never more than the container's own bounding set
  const bare = await boxOn(root, '--cap-drop', 'ALL');
  const none = await nook(['cp', hostFile, `${bare}:/tmp`]);
  assertConfined(confinementOf(none.stderr, 'cap-drop ALL'), 0n, 'cap-drop ALL: cp in');
});

test('export runs the container\'s tar with no_new_privs, a seccomp filter and DAC_OVERRIDE alone', async () => {
  for (const flags of [[], ['--privileged']]) {
    const root = escapingRoot();
    // the export's root has no /proc: the credentials are read from the host while it waits
    replaceTool(root, 'tar', 'sleep 20; exit 1');
    const name = `cpx${process.pid}-${counter++}`;
    ok(await nook(['run', '--name', name, '--network', 'none', ...flags, '--rootfs', root, 'true']), 'run');
    const exporting = startNook(['export', '-o', join(work, `${name}.tar`), name], { timeoutMs: 60_000 });
    try {
      const tar = await waitFor('the replaced tar to run', () => processesOf().find((p) => p.cmd.endsWith('/bin/tar -cf - .')));
      const what = flags.join(' ') || 'default';
      assertConfined(confinementOf(readFileSync(`/proc/${tar.pid}/status`, 'utf8'), what), CAP.DAC_OVERRIDE, `${what}: export`);
    } finally {
      for (const p of processesOf()) if (p.cmd.endsWith('/bin/tar -cf - .')) process.kill(p.pid, 'SIGKILL');
      await exporting.result;
    }
  }
});

test('cp out of a container: links and `..` in its tree resolve inside it, a link is copied as a link', async () => {
  const root = escapingRoot();
  const box = await boxOn(root);
  for (const link of ['abs', 'rel', 'magic']) {
    for (const follow of [[], ['-L']]) {
      const what = `${link} ${follow.join('')}`;
      const dest = mkdtempSync(join(work, 'out-'));
      // through the link: the host's victim is never what arrives
      ranOrRefused(await nook(['cp', ...follow, `${box}:/${link}/victim`, join(dest, 'got')]), what);
      assert.not.ok(readdirSync(dest).includes('got'), `${what}: ${link}/victim was found`);
      // the link itself: a link (or, followed, whatever it names inside the container: nothing)
      ranOrRefused(await nook(['cp', ...follow, `${box}:/${link}`, join(dest, 'link')]), what);
      if (follow.length === 0) assert.is(readlinkSync(join(dest, 'link')), readlinkSync(join(root, link)), `${what}: copied as the link it is`);
      else assert.not.ok(readdirSync(dest).includes('link'), `${what}: followed outside the container`);
      outsideIsUntouched(what);
    }
  }
  // `..` past the root stays at the root
  const dest = mkdtempSync(join(work, 'out-'));
  ok(await nook(['cp', `${box}:/../../../../inside`, join(dest, 'a')]), '..');
  assert.is(readFileSync(join(dest, 'a'), 'utf8'), 'from the container\n');
  ranOrRefused(await nook(['cp', `${box}:/../../../../..${outside}/victim`, join(dest, 'b')]), '.. to the host');
  assert.not.ok(readdirSync(dest).includes('b'), '.. reached the host');
  // a link to / followed: the container's root, not the host's
  ok(await nook(['cp', '-L', `${box}:/top/inside`, join(dest, 'c')]), 'top');
  assert.is(readFileSync(join(dest, 'c'), 'utf8'), 'from the container\n');
});

test('cp into a container: links and `..` in its tree land inside its root, never on the host', async () => {
  const root = escapingRoot();
  const box = await boxOn(root);
  const targets = ['/abs/new', '/rel/new', '/magic/new', '/abs', '/rel', '/magic', `/../../../../..${outside}/new`, `/top/../..${outside}`];
  for (const t of targets) {
    ranOrRefused(await nook(['cp', hostFile, `${box}:${t}`]), t);
    outsideIsUntouched(t);
  }
  // `..` past the root stays at the root
  ok(await nook(['cp', hostFile, `${box}:/../../../tmp/landed`]), '..');
  assert.is(readFileSync(join(root, 'tmp', 'landed'), 'utf8'), 'from the host\n');
});

test('cp out of a container whose tar writes a hostile stream: nothing outside the destination, no device or set-id file', async () => {
  const root = escapingRoot();
  // the destinations are WORK/into-X/NAME (or its .nook-cp-X beside): ../../outside is outside
  writeFileSync(join(root, 'evil.tar'), buildTar([
    { path: '../../outside/dotdot', body: 'owned' },
    { path: '../../../../../../..' + join(outside, 'deep'), body: 'owned' },
    { path: join(outside, 'absolute'), body: 'owned' },
    { path: 'link', type: '2', linkpath: outside },
    { path: 'link/through-absolute-link', body: 'owned' },
    { path: 'rellink', type: '2', linkpath: '../../outside' },
    { path: 'rellink/through-relative-link', body: 'owned' },
    // links are made after the rest: never beside the destination, never through another link
    { path: '../../outside/link-beside', type: '2', linkpath: '/etc' },
    { path: join(outside, 'absolute-link'), type: '2', linkpath: '/etc' },
    { path: 'sl', type: '2', linkpath: outside },
    { path: 'sl/link-through-link', type: '2', linkpath: '/etc' },
    { path: 'hard', type: '1', linkpath: join(outside, 'victim') },
    { path: 'hard2', type: '1', linkpath: '../../outside/victim' },
    { path: 'hard2', body: 'owned' },
    { path: 'null', type: '3' },
    { path: 'fifo', type: '6' },
    { path: 'suid', body: '#!/bin/sh\n', mode: 0o4755 },
    { path: 'sgid', body: '#!/bin/sh\n', mode: 0o2755 },
    // the kernel clears set-id bits on an unprivileged write: empty files keep them
    { path: 'suid-empty', mode: 0o4755 },
    { path: 'sgid-empty', mode: 0o2755 },
    { path: 'sgid-dir/', mode: 0o2777 },
  ]));
  replaceTool(root, 'sh', 'cat /evil.tar');
  const box = await boxOn(root);
  const into = mkdtempSync(join(work, 'into-'));
  for (const dest of [join(into, 'existing-dir'), join(into, 'new-name')]) {
    if (dest.endsWith('existing-dir')) mkdirSync(dest);
    ranOrRefused(await nook(['cp', `${box}:/inside`, dest]), dest);
    ranOrRefused(await nook(['cp', `${box}:/tmp/.`, dest]), `${dest} (contents)`);
    outsideIsUntouched(dest);
  }
  assert.equal(readdirSync(into).filter((n) => n !== 'existing-dir' && n !== 'new-name'), [], 'written beside the destination');
  const walk = (dir: string): string[] => readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    const st = lstatSync(p);
    return [p, ...(st.isDirectory() ? walk(p) : [])];
  });
  for (const p of walk(into)) {
    const st = lstatSync(p);
    assert.ok(st.isFile() || st.isDirectory() || st.isSymbolicLink(), `${p}: a device or fifo was made`);
    assert.is(st.mode & 0o6000, 0, `${p}: a set-id bit was kept (mode ${st.mode.toString(8)})`);
  }
});

test.run();
