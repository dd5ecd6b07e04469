// Issue 16, escape class "layer entries with setuid bits and security.capability xattrs": an
// image may carry a setuid-root program and one with file capabilities. Neither may raise a
// container process above what it was started with (no_new_privs), neither may work from the
// store on the host (the capabilities are bound to the user namespace's root, the owner is the
// user), and no other user may reach them in the store (a setuid file owned by a subordinate
// uid would make its runner that uid).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync, rmSync, statSync, mkdtempSync, existsSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { addTarLayer, blobPath, initLayout, readLayoutImage, shareBlob, writeImage, type Layer } from '../fixtures/oci-layout.mjs';
import { tarOf, type EntryFields } from '../fixtures/tar-entries.mjs';
import { hostRun, nook } from './harness.js';

const registry = process.env['NOOK_TEST_REGISTRY'];
const fixtures = process.env['NOOK_TEST_FIXTURES'];
const ref = `${registry}/nook-test/privileged-files:latest`;

/** vfs_cap_data revision 2, effective: CAP_DAC_OVERRIDE, CAP_SETUID, CAP_SYS_ADMIN permitted. */
function fileCaps(): Buffer {
  const caps = Buffer.alloc(20);
  caps.writeUInt32LE(0x02000001, 0);
  caps.writeUInt32LE((1 << 1) | (1 << 7) | (1 << 21), 4);
  return caps;
}

const STATUS = 'grep -E "^(Uid|Gid|CapEff|NoNewPrivs):" /proc/self/status';
const PROGRAMS = ['suid-root', 'suid-1000', 'fcaps'];

test.before(async () => {
  assert.ok(registry && fixtures, 'NOOK_TEST_REGISTRY / NOOK_TEST_FIXTURES are not set: run through test/run.mjs');
  const dir = mkdtempSync(join(tmpdir(), 'nook-privileged-files-'));
  try {
    await initLayout(dir);
    const busybox = join(fixtures!, 'busybox');
    const { manifest } = await readLayoutImage(busybox);
    const config = JSON.parse(readFileSync(blobPath(busybox, manifest.config.digest), 'utf8'));
    const base = manifest.layers[0]!;
    await shareBlob(busybox, dir, base.digest);
    const program = readFileSync('/bin/busybox');
    const dirs = ['priv/', ...PROGRAMS.map((p) => `priv/${p}/`)].map((name): [EntryFields] => [{ name, type: 'dir', mode: 0o755 }]);
    const tar = tarOf([
      ...dirs,
      [{ name: 'priv/suid-root/busybox', mode: 0o4755 }, program],
      [{ name: 'priv/suid-1000/busybox', mode: 0o6755, uid: 1000, gid: 1000 }, program],
      [{ name: 'priv/fcaps/busybox', mode: 0o755, pax: { 'SCHILY.xattr.security.capability': fileCaps() } }, program],
    ]);
    const layers: Layer[] = [{ ...base, diffID: config.rootfs.diff_ids[0] }, await addTarLayer(dir, [tar])];
    await writeImage(dir, { config: config.config, layers, tag: 'latest' });
    const push = await hostRun('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci:${dir}:latest`, `docker://${ref}`], { timeoutMs: 60_000 });
    assert.is(push.code, 0, push.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('inside the container: the setuid bits and file capabilities are kept, and grant nothing', async () => {
  const script = [
    ...PROGRAMS.map((p) => `stat -c "%a %u %n" /priv/${p}/busybox`),
    // the kernel refuses to exec a program whose file capabilities it cannot all grant (EPERM)
    ...PROGRAMS.map((p) => `echo "== ${p}"; /priv/${p}/busybox ${STATUS} || echo refused`),
  ].join('; ');
  for (const driver of ['overlay', 'fuse-overlayfs', 'copy']) {
    const r = await nook(['run', '--rm', '--network', 'none', '--storage-driver', driver, '-u', '2000:2000', ref, 'sh', '-c', script], { timeoutMs: 120_000 });
    assert.is(r.code, 0, `${driver}: ${r.stderr}`);
    // kept as in the image, as Docker and podman keep them
    assert.match(r.stdout, /^4755 0 \/priv\/suid-root\/busybox$/m, `${driver}:\n${r.stdout}`);
    assert.match(r.stdout, /^6755 1000 \/priv\/suid-1000\/busybox$/m, `${driver}:\n${r.stdout}`);
    for (const p of PROGRAMS) {
      const part = r.stdout.split(`== ${p}\n`)[1]?.split('==')[0] ?? '';
      if (p === 'fcaps' && part === 'refused\n') continue;
      assert.match(part, /^Uid:\s+2000\s+2000\s+2000\s+2000$/m, `${driver} ${p} changed its uid:\n${part}`);
      assert.match(part, /^Gid:\s+2000\s+2000\s+2000\s+2000$/m, `${driver} ${p} changed its gid:\n${part}`);
      assert.match(part, /^CapEff:\s+0+$/m, `${driver} ${p} gained capabilities:\n${part}`);
      assert.match(part, /^NoNewPrivs:\s+1$/m, `${driver} ${p}:\n${part}`);
    }
  }
});

test('on the host: the stored programs raise nothing, and no other user reaches the store', async () => {
  const pull = await nook(['pull', '-q', ref], { timeoutMs: 60_000 });
  assert.is(pull.code, 0, pull.stderr);
  const store = join(process.env['XDG_DATA_HOME'] ?? join(homedir(), '.local', 'share'), 'nook');
  const layers = join(store, 'layers');
  const layer = readdirSync(layers).map((l) => join(layers, l, 'diff', 'priv')).find((p) => existsSync(p));
  assert.ok(layer, `no layer with /priv under ${layers}`);
  const me = process.getuid!();
  for (const p of PROGRAMS) {
    const path = join(layer!, p, 'busybox');
    const r = await hostRun(path, ['sh', '-c', STATUS]);
    assert.is(r.code, 0, `${p}: ${r.stderr}`);
    // the file's owner is the user (image root) or a subordinate id of theirs: never another user's
    assert.not.match(r.stdout, /^CapEff:\s+0*[1-9a-f]/m, `${p} run from the store gained capabilities on the host:\n${r.stdout}`);
    if (p !== 'suid-1000') assert.match(r.stdout, new RegExp(`^Uid:\\s+${me}\\s+${me}\\s+${me}\\s+${me}$`, 'm'), `${p}:\n${r.stdout}`);
  }
  // the store is the user's alone: its top directory is closed to everyone else ...
  assert.is(statSync(store).mode & 0o077, 0, `${store} is open to others (mode ${(statSync(store).mode & 0o777).toString(8)})`);
  // ... as another uid finds: a subordinate uid, through a container with the store bound on /mnt
  const other = await nook(['run', '--rm', '--network', 'none', '-u', '3000:3000', '--cap-drop', 'ALL', '-v', `${store}:/mnt`, 'host', 'sh', '-c',
    `ls /mnt/layers >/dev/null 2>&1 && echo reached-layers; /mnt/layers/*/diff/priv/suid-1000/busybox true 2>/dev/null && echo ran-setuid; echo done`]);
  assert.is(other.code, 0, other.stderr);
  assert.is(other.stdout, 'done\n', `another uid reached the store:\n${other.stdout}`);
});

test.run();
