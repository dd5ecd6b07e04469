// The golden test over both sides of the launcher protocol: native/directives.def (the one
// definition), the TS table, and what the compiled launcher says it understands.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DIRECTIVES, PROTOCOL_VERSION, encodeDirectives, formatDirectives, replayablePlan } from '../../src/core/directives.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const launcher = `${root}native/build/nook-run`;

const defLines = () => [...readFileSync(`${root}native/directives.def`, 'utf8').matchAll(/^D\(\s*\w+\s*,\s*"([^"]+)"\s*,\s*(-?\d+)\s*,\s*([\w|\s]+?)\s*,/gm)];

function fromDef(): Array<[string, number]> {
  return defLines().map((m) => [m[1]!, Number(m[2])]);
}

test('directives.def and the TS table agree, in order', () => {
  assert.equal(fromDef(), Object.entries(DIRECTIVES));
});

test('the rootfs- names are exactly the directives that build the new root (planExport finds the root by them)', () => {
  const builders = defLines().filter((m) => m[3]!.includes('DF_NEW_ROOT')).map((m) => m[1]);
  assert.ok(builders.length > 0);
  assert.equal(builders, Object.keys(DIRECTIVES).filter((n) => n.startsWith('rootfs-')));
});

test('the compiled launcher speaks the same vocabulary', () => {
  const out = execFileSync(launcher, ['--vocabulary'], { encoding: 'utf8' });
  const pairs = out.trim().split('\n').map((l) => l.split(' ')).map(([n, a]) => [n!, Number(a)] as [string, number]);
  assert.equal(pairs, Object.entries(DIRECTIVES));
});

test('the protocol version matches launcher.h', () => {
  const h = readFileSync(`${root}native/launcher.h`, 'utf8');
  assert.match(h, `#define PROTOCOL_VERSION "${PROTOCOL_VERSION}"`);
});

test('a recorded plan is launched again only in this protocol version', () => {
  const plan = [['version', PROTOCOL_VERSION], ['exec', 'true']] as const;
  assert.is(replayablePlan(plan, 'c'), plan);
  assert.throws(() => replayablePlan([['version', '1'], ['rootfs-fuse-overlay' as never, 'x'], ['exec', 'true']], 'old'), /container old was created by another nook \(launcher protocol 1, this one speaks/);
  assert.throws(() => replayablePlan(undefined, 'older'), /container older has no launch plan/);
});

test('encoding: NUL-terminated tokens, variadic lists carry their count', () => {
  const buf = encodeDirectives([['version', '1'], ['unshare-net'], ['tmpfs', '/tmp', 'mode=1777'], ['exec', 'sh', '-c', 'echo hi']]);
  assert.is(buf.toString('latin1'), 'version\x001\x00unshare-net\x00tmpfs\x00/tmp\x00mode=1777\x00exec\x003\x00sh\x00-c\x00echo hi\x00');
});

test('encoding refuses a wrong arity and NUL bytes', () => {
  assert.throws(() => encodeDirectives([['tmpfs', '/tmp'] as never]), /tmpfs: 1 arguments, expected 2/);
  assert.throws(() => encodeDirectives([['hostname', 'a\0b']]), /NUL/);
  assert.throws(() => encodeDirectives([['exec'] as never]), /at least 1/);
});

test('dry-run format quotes what needs quoting', () => {
  assert.is(formatDirectives([['exec', 'sh', '-c', 'echo $HOME']]), 'exec sh -c "echo $HOME"\n');
});

function launch(tokens: string[]): { status: number | null; stderr: string } {
  const child = spawnSync('sh', ['-c', `"${launcher}" --args 3 3<&0`], { input: Buffer.from(tokens.map((t) => t + '\0').join('')), encoding: 'utf8', timeout: 5000 });
  return { status: child.status, stderr: child.stderr };
}

test('the launcher rejects a bad list before creating anything, exit 125', () => {
  const unknown = launch(['version', PROTOCOL_VERSION, 'frobnicate', 'exec', '1', 'true']);
  assert.is(unknown.status, 125);
  assert.match(unknown.stderr, /^nook: bad directives: unknown directive "frobnicate"\n$/);
  const version = launch(['version', '9', 'exec', '1', 'true']);
  assert.is(version.status, 125);
  assert.match(version.stderr, new RegExp(`protocol version 9, this launcher speaks ${PROTOCOL_VERSION}`));
  const first = launch(['exec', '1', 'true']);
  assert.match(first.stderr, /the first directive must be version/);
  const noMap = launch(['version', PROTOCOL_VERSION, 'exec', '1', 'true']);
  assert.match(noMap.stderr, /no uid-map or gid-map directive/);
  const truncated = launch(['version', PROTOCOL_VERSION, 'uid-map', '0', '1']);
  assert.match(truncated.stderr, /uid-map: expected 3 arguments/);
});

test('a directive that works on the new root, before one that builds it, is refused (directives.def flags)', () => {
  const uid = String(process.getuid!());
  const gid = String(process.getgid!());
  const early = launch(['version', PROTOCOL_VERSION, 'uid-map', '0', uid, '1', 'gid-map', '0', gid, '1', 'setgroups-deny', 'proc', '/proc', 'rootfs-bind', '/', 'exec', '1', 'true']);
  assert.is(early.status, 125, early.stderr);
  assert.match(early.stderr, /proc before the root file system/);
  const inOrder = launch(['version', PROTOCOL_VERSION, 'uid-map', '0', uid, '1', 'gid-map', '0', gid, '1', 'setgroups-deny', 'rootfs-bind', '/', 'proc', '/proc', 'exec', '1', 'true']);
  assert.is(inOrder.status, 0, inOrder.stderr);
});

test.run();
