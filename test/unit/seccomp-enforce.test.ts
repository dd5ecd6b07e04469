// The compiled default and strict programs, loaded by bubblewrap (not our launcher), refuse
// what they must and let ordinary work through. Needs bwrap and python3 (both in the set-up).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CAPABILITIES } from '../../src/security/capabilities.js';
import { compileProfile } from '../../src/security/seccomp/compile.js';
import { resolveProfile } from '../../src/security/seccomp/locate.js';

const scratch = mkdtempSync(join(tmpdir(), 'nook-seccomp-enforce-'));
test.before(() => {
  process.env['XDG_CACHE_HOME'] = join(scratch, 'cache');
});
test.after(() => rmSync(scratch, { recursive: true, force: true }));

// Raw x86_64 system calls through ctypes, each printed as `name=ok` or `name=ERRNO`.
const PROBE = `
import ctypes, errno, os, socket
libc = ctypes.CDLL(None, use_errno=True)
def sc(name, nr, *a):
    r = libc.syscall(nr, *a)
    print(f"{name}={'ok' if r >= 0 else errno.errorcode.get(ctypes.get_errno())}")
sc('keyctl', 250, 0, 0)
sc('add_key', 248, b'user', b'k', b'v', 1, -4)
sc('bpf', 321, 0, 0, 0)
sc('userfaultfd', 323, 0)
sc('kexec_load', 246, 0, 0, 0, 0)
sc('init_module', 175, 0, 0, b'')
sc('reboot', 169, 0, 0, 0, 0)
sc('swapon', 167, b'/nonexistent', 0)
sc('unshare_user', 272, 0x10000000)
sc('unshare_mount', 272, 0x20000)
sc('clone3', 435, 0, 0)
sc('personality_no_aslr', 135, 0x40000)
sc('personality_query', 135, 0xffffffff)
sc('ioctl_tiocsti', 16, 0, 0x5412, ctypes.c_char_p(b'x'))
sc('ioctl_tiocsti_high_bits', 16, 0, 0x100005412, ctypes.c_char_p(b'x'))
sc('ioctl_fionread', 16, 0, 0x541b, ctypes.byref(ctypes.c_int()))
for fam, n in [(socket.AF_UNIX, 'unix'), (socket.AF_INET, 'inet'), (40, 'vsock')]:
    try:
        socket.socket(fam, socket.SOCK_STREAM).close(); print(f'socket_{n}=ok')
    except OSError as e:
        print(f'socket_{n}={errno.errorcode[e.errno]}')
pid = os.fork()
if pid == 0: os._exit(0)
os.waitpid(pid, 0); print('fork=ok')
`;

function runUnder(bpf: Buffer | null): Map<string, string> {
  const probe = join(scratch, 'probe.py');
  writeFileSync(probe, PROBE);
  const args = ['--unshare-all', '--die-with-parent', '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp', '--ro-bind', probe, '/tmp/probe.py'];
  const stdio: ('pipe' | number)[] = [0, 'pipe', 'pipe'];
  let fd: number | undefined;
  if (bpf) {
    const file = join(scratch, 'program.bpf');
    writeFileSync(file, bpf);
    fd = openSync(file, 'r');
    stdio[3] = fd;
    args.push('--seccomp', '3');
  }
  const script = 'python3 /tmp/probe.py; unshare -U true 2>/dev/null; echo unshare_cmd=$?; ' +
    'mount -t tmpfs none /tmp 2>/dev/null; echo mount_cmd=$?; sh -c "ls / >/dev/null" && echo shell=ok';
  const r = spawnSync('bwrap', [...args, '--', 'sh', '-c', script], { stdio, encoding: 'utf8' });
  if (fd !== undefined) closeSync(fd);
  assert.is(r.error, undefined, 'bwrap runs');
  return new Map(r.stdout.trim().split('\n').filter((l) => l.includes('=')).map((l) => l.split('=') as [string, string]));
}

const REFUSED = ['keyctl', 'add_key', 'bpf', 'userfaultfd', 'kexec_load', 'init_module', 'reboot', 'swapon',
  'unshare_user', 'unshare_mount', 'personality_no_aslr', 'ioctl_tiocsti', 'ioctl_tiocsti_high_bits', 'socket_vsock'];

test('default refuses the dangerous calls and runs ordinary work', async () => {
  const { bpf } = await compileProfile({ profile: resolveProfile('default'), capabilities: DEFAULT_CAPABILITIES });
  const got = runUnder(bpf);
  for (const name of REFUSED) assert.is(got.get(name), 'EPERM', name);
  assert.is(got.get('clone3'), 'ENOSYS');
  for (const name of ['personality_query', 'socket_unix', 'socket_inet', 'fork', 'shell']) assert.is(got.get(name), 'ok', name);
  assert.is(got.get('ioctl_fionread'), 'ENOTTY', 'other ioctls reach the kernel');
  assert.is.not(got.get('unshare_cmd'), '0');
  assert.is.not(got.get('mount_cmd'), '0');
});

test('strict also refuses AF_INET', async () => {
  const { bpf } = await compileProfile({ profile: resolveProfile('strict'), capabilities: [] });
  const got = runUnder(bpf);
  for (const name of [...REFUSED, 'socket_inet']) assert.is(got.get(name), 'EPERM', name);
  for (const name of ['socket_unix', 'fork', 'shell']) assert.is(got.get(name), 'ok', name);
});

test('control: without a program the same probes are not refused by a filter', () => {
  const got = runUnder(null);
  assert.is(got.get('socket_inet'), 'ok');
  assert.is(got.get('clone3'), 'EINVAL', 'clone3 reaches the kernel, which rejects the empty argument');
  assert.is.not(got.get('personality_no_aslr'), 'EPERM');
});

test.run();
