// Issue 4 through the real launcher: under the default profile the dangerous system calls
// fail with EPERM or ENOSYS, ordinary work runs, and the capability and profile options do
// what they say. Raw syscalls come from python3's ctypes (x86_64 numbers).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { hostRun, nook, nookBin, Terminal, waitFor } from './harness.js';

const PY = '/usr/bin/python3';

/** Prints "name ret errno" for each raw syscall; args are small integers. */
function probe(calls: Array<[string, number, ...number[]]>): string {
  const lines = calls.map(([name, nr, ...args]) => `p(${JSON.stringify(name)}, ${nr}${args.map((a) => `, ${a}`).join('')})`);
  return [
    'import ctypes',
    'libc = ctypes.CDLL(None, use_errno=True)',
    'libc.syscall.restype = ctypes.c_long',
    'def p(name, nr, *a):',
    '    ctypes.set_errno(0)',
    '    r = libc.syscall(nr, *[ctypes.c_long(x) for x in a])',
    '    print(name, r, ctypes.get_errno())',
    ...lines,
  ].join('\n');
}

const DANGEROUS: Array<[string, number, ...number[]]> = [
  ['keyctl', 250, 0, 0],
  ['add_key', 248, 0, 0, 0, 0, 0],
  ['request_key', 249, 0, 0, 0, 0],
  ['bpf', 321, 0, 0, 0],
  ['kexec_load', 246, 0, 0, 0, 0],
  ['init_module', 175, 0, 0, 0],
  ['finit_module', 313, -1, 0, 0],
  ['reboot', 169, 0, 0, 0, 0],
  ['swapon', 167, 0, 0],
  ['userfaultfd', 323, 0],
  ['unshare_user', 272, 0x10000000],
  ['unshare_mount', 272, 0x00020000],
  ['mount', 165, 0, 0, 0, 0, 0],
  ['acct', 163, 0],
  ['settimeofday', 164, 0, 0],
  ['perf_event_open', 298, 0, 0, -1, -1, 0],
];

function parse(out: string): Map<string, { ret: number; errno: number }> {
  return new Map(out.trim().split('\n').map((l) => {
    const [name, ret, errno] = l.split(' ');
    return [name!, { ret: Number(ret), errno: Number(errno) }];
  }));
}

test('default profile: dangerous system calls fail with EPERM or ENOSYS', async () => {
  const r = await nook(['run', '--rm', 'host', PY, '-c', probe(DANGEROUS)]);
  assert.is(r.code, 0, r.stderr);
  const got = parse(r.stdout);
  for (const [name] of DANGEROUS) {
    const g = got.get(name);
    assert.ok(g, `no result for ${name}`);
    assert.ok(g!.ret === -1 && (g!.errno === 1 || g!.errno === 38), `${name}: ret ${g!.ret} errno ${g!.errno}`);
  }
});

test('default profile: shell tools that would escape are refused', async () => {
  const r = await nook(['run', '--rm', 'host', 'sh', '-c', 'unshare -U true; echo "u=$?"; unshare -m true; echo "m=$?"; mount -t tmpfs x /mnt 2>/dev/null; echo "mount=$?"']);
  assert.match(r.stdout, /u=[1-9]/);
  assert.match(r.stdout, /m=[1-9]/);
  assert.match(r.stdout, /mount=[1-9]/);
});

test('unconfined lets the same user namespace creation through (the filter made the difference)', async () => {
  const r = await nook(['run', '--rm', '--security-opt', 'seccomp=unconfined', 'host', 'sh', '-c', 'grep Seccomp: /proc/self/status; unshare -U true && echo created']);
  assert.match(r.stdout, /Seccomp:\s+0/);
  assert.match(r.stdout, /created/);
});

test('ptrace of pid 1 by a non-root container process fails', async () => {
  const script = probe([['ptrace_attach', 101, 16, 1, 0, 0]]);
  const r = await nook(['run', '--rm', '--init', '-u', '1000', 'host', PY, '-c', script]);
  const g = parse(r.stdout).get('ptrace_attach');
  assert.ok(g && g.ret === -1 && (g.errno === 1 || g.errno === 38), r.stdout + r.stderr);
});

test('exec gives a user the capabilities run gives that user (--cap-add in the ambient set of a non-root user)', async () => {
  const capEff = 'grep ^CapEff: /proc/self/status';
  for (const runUser of ['0', '1000']) {
    const box = await nook(['run', '-d', '--network', 'none', '-u', `${runUser}:${runUser}`, '--cap-add', 'NET_BIND_SERVICE', 'host', 'sleep', '300']);
    assert.is(box.code, 0, box.stderr);
    const id = box.stdout.trim();
    try {
      for (const execUser of ['0', '1000', '2000']) {
        const ran = await nook(['run', '--rm', '--network', 'none', '-u', `${execUser}:${execUser}`, '--cap-add', 'NET_BIND_SERVICE', 'host', 'sh', '-c', capEff]);
        const joined = await nook(['exec', '-u', `${execUser}:${execUser}`, id, 'sh', '-c', capEff]);
        assert.is(joined.code, 0, joined.stderr);
        assert.is(joined.stdout, ran.stdout, `run -u ${runUser}, exec -u ${execUser}`);
      }
    } finally {
      await nook(['rm', '-f', id]);
    }
  }
});

test('ordinary work runs: a shell, apt-get, python3, a C compiler', async () => {
  const r = await nook(['run', '--rm', 'host', 'sh', '-c', 'echo shell-ok; apt-get --version | head -1; python3 -c "print(6*7)"; printf "int main(){return 0;}" > /tmp/t.c && gcc -o /tmp/t /tmp/t.c && /tmp/t && echo cc-ok']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /shell-ok/);
  assert.match(r.stdout, /^apt \d/m);
  assert.match(r.stdout, /^42$/m);
  assert.match(r.stdout, /cc-ok/);
});

test('--cap-drop ALL: chown of a file the process does not own fails', async () => {
  const r = await nook(['run', '--rm', '--cap-drop', 'ALL', 'host', 'sh', '-c', 'touch /tmp/f && chown 5 /tmp/f; echo "rc=$?"']);
  assert.match(r.stdout, /rc=1/);
  const withCaps = await nook(['run', '--rm', 'host', 'sh', '-c', 'touch /tmp/f && chown 5 /tmp/f; echo "rc=$?"']);
  assert.match(withCaps.stdout, /rc=0/);
});

test('--privileged: mount -t tmpfs succeeds, and nothing is masked', async () => {
  const r = await nook(['run', '--rm', '--privileged', 'host', 'sh', '-c', 'mount -t tmpfs x /mnt && echo mounted; grep -c . /proc/keys >/dev/null 2>&1; grep Seccomp: /proc/self/status']);
  assert.match(r.stdout, /mounted/);
  assert.match(r.stdout, /Seccomp:\s+0/);
});

test('strict: AF_INET sockets are refused, AF_UNIX works, every capability is dropped', async () => {
  const r = await nook(['run', '--rm', '--security-opt', 'seccomp=strict', 'host', PY, '-c',
    'import socket\ntry:\n  socket.socket(socket.AF_INET); print("inet-open")\nexcept OSError as e: print("inet", e.errno)\nsocket.socket(socket.AF_UNIX); print("unix-ok")\nprint(open("/proc/self/status").read().split("CapEff:")[1].split()[0])']);
  assert.match(r.stdout, /inet 1/);
  assert.match(r.stdout, /unix-ok/);
  assert.match(r.stdout, /0000000000000000/);
});

test('no_new_privs is on by default and can be lifted', async () => {
  const on = await nook(['run', '--rm', 'host', 'grep', 'NoNewPrivs', '/proc/self/status']);
  assert.match(on.stdout, /NoNewPrivs:\s+1/);
  const off = await nook(['run', '--rm', '--security-opt', 'no-new-privileges=false', 'host', 'grep', 'NoNewPrivs', '/proc/self/status']);
  assert.match(off.stdout, /NoNewPrivs:\s+0/);
});

test('masked and read-only paths; mask= and unmask=', async () => {
  // a masked path reads empty (those the kernel hides in a user namespace are simply absent)
  const r = await nook(['run', '--rm', 'host', 'sh', '-c', 'for f in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug; do [ -e $f ] && echo "$f $(wc -c < $f)"; done; echo 1 > /proc/sys/kernel/domainname 2>/dev/null; echo "sys=$?"']);
  assert.match(r.stdout, /\/proc\/keys 0/);
  assert.not.match(r.stdout, /\/proc\/\w+ [1-9]/);
  assert.match(r.stdout, /sys=[1-9]/);
  const custom = await nook(['run', '--rm', '--security-opt', 'mask=/etc/hostname', 'host', 'sh', '-c', 'wc -c < /etc/hostname']);
  assert.match(custom.stdout, /^0$/m);
});

test('a bad profile stops the run: exit 125 and the reason', async () => {
  const r = await nook(['run', '--rm', '--security-opt', 'seccomp=/nonexistent/profile.json', 'host', 'true']);
  assert.is(r.code, 125);
  assert.match(r.stderr, /^nook: .*profile/);
  assert.is(r.stderr.trim().split('\n').length, 1);
});

test('TIOCSTI cannot push input into the caller\'s terminal, with or without -t', async () => {
  const script = 'import fcntl, termios\nfor fd in (0, 1):\n  try:\n    fcntl.ioctl(fd, termios.TIOCSTI, b"x"); print("sti", fd, "ok")\n  except OSError as e: print("sti", fd, "errno", e.errno)';
  for (const args of [['run', '--rm', '-t', 'host', PY, '-c', script], ['run', '--rm', 'host', PY, '-c', script]]) {
    const term = Terminal.nook(args);
    try {
      const code = await term.waitForExit(20_000);
      const screen = term.screen();
      assert.is(code, 0, screen);
      assert.not.match(screen, /ok/);
      assert.match(screen, /sti 1 errno (1|5|25)/);
    } finally {
      term.close();
    }
  }
});

test('io_uring: refused with ENOSYS by default and by strict, allowed by a profile that allows it', async () => {
  const script = 'import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nlibc.syscall.restype = ctypes.c_long\nparams = ctypes.create_string_buffer(120)\nr = libc.syscall(425, 1, params)\nprint("io_uring_setup", r, ctypes.get_errno())';
  for (const profile of ['default', 'strict']) {
    const r = await nook(['run', '--rm', '--security-opt', `seccomp=${profile}`, 'host', PY, '-c', script]);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /^io_uring_setup -1 38$/m, `${profile}: ${r.stdout}`);
  }
  // the default profile with its io_uring rule turned into an allow
  const dir = mkdtempSync(join(tmpdir(), 'nook-uring-'));
  try {
    const profile = JSON.parse(readFileSync(join(dirname(nookBin()), 'profiles', 'default.json'), 'utf8')) as { syscalls: Array<{ names: string[]; action: string; errnoRet?: number }> };
    const rule = profile.syscalls.find((s) => s.names.includes('io_uring_setup'))!;
    rule.action = 'SCMP_ACT_ALLOW';
    delete rule.errnoRet;
    writeFileSync(join(dir, 'uring.json'), JSON.stringify(profile));
    const r = await nook(['run', '--rm', '--security-opt', `seccomp=${join(dir, 'uring.json')}`, 'host', PY, '-c', script]);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /^io_uring_setup [0-9]+ /m, r.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the caller\'s environment reaches neither the container nor its --init (pid 1 is the launcher)', async () => {
  const env = { NOOK_CALLER_SECRET: 'hunter2-token' };
  const fg = await nook(['run', '--rm', '--init', 'host', 'sh', '-c', 'tr "\\0" "\\n" < /proc/1/environ; tr "\\0" "\\n" < /proc/self/environ'], { env });
  assert.is(fg.code, 0, fg.stderr);
  assert.not.match(fg.stdout, /hunter2/, fg.stdout);
  const box = await nook(['run', '-d', '--init', '--network', 'none', 'host', 'sleep', '60'], { env });
  assert.is(box.code, 0, box.stderr);
  const id = box.stdout.trim();
  try {
    const r = await nook(['exec', id, 'sh', '-c', 'tr "\\0" "\\n" < /proc/1/environ; tr "\\0" "\\n" < /proc/self/environ'], { env });
    assert.is(r.code, 0, r.stderr);
    assert.not.match(r.stdout, /hunter2/, r.stdout);
  } finally {
    await nook(['rm', '-f', id]);
  }
});

const builtinProfile = (name: string): string => readFileSync(join(dirname(nookBin()), 'profiles', `${name}.json`), 'utf8');
const ALLOW_ALL = JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [] });
const IO_URING = probe([['io_uring_setup', 425, 1, 0]]);

/** `nook ARGS` started from `dir`: a relative profile path resolves there. */
function nookIn(dir: string, args: string[]) {
  return hostRun('sh', ['-c', 'cd "$0" && exec "$@"', dir, process.execPath, nookBin(), ...args]);
}

test('a relative profile path is resolved once, at create: neither another cwd nor a changed file alters the filter', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nook-profile-cwd-'));
  const [created, elsewhere] = [join(dir, 'created'), join(dir, 'elsewhere')];
  const name = `profile-cwd-${process.pid}`;
  try {
    for (const d of [created, elsewhere]) mkdirSync(d);
    writeFileSync(join(created, 'p.json'), builtinProfile('default'));
    writeFileSync(join(elsewhere, 'p.json'), ALLOW_ALL);
    const c = await nookIn(created, ['create', '--name', name, '--network', 'none', '--security-opt', 'seccomp=./p.json', 'host', 'sh', '-c', 'grep Seccomp: /proc/self/status; exec sleep 60']);
    assert.is(c.code, 0, c.stderr);
    // the file it was created from now allows everything too
    writeFileSync(join(created, 'p.json'), ALLOW_ALL);
    const s = await nookIn(elsewhere, ['start', name]);
    assert.is(s.code, 0, s.stderr);
    const logs = await waitFor('the container\'s first line', async () => {
      const l = await nook(['logs', name]);
      return /Seccomp:/.test(l.stdout) ? l.stdout : undefined;
    });
    assert.match(logs, /Seccomp:\s+2/, 'pid 1 is filtered');
    const e = await nookIn(elsewhere, ['exec', name, PY, '-c', `print(open("/proc/self/status").read().split("Seccomp:")[1].split()[0])\n${IO_URING}`]);
    assert.is(e.code, 0, e.stderr);
    assert.match(e.stdout, /^2$/m, `exec is filtered: ${e.stdout}`);
    assert.match(e.stdout, /^io_uring_setup -1 38$/m, `exec gets the created profile: ${e.stdout}`);
    const re = await nookIn(elsewhere, ['restart', '-t', '0', name]);
    assert.is(re.code, 0, re.stderr);
    const again = await waitFor('the restarted container\'s line', async () => {
      const l = await nook(['logs', name]);
      return (l.stdout.match(/Seccomp:.*/g) ?? []).length >= 2 ? l.stdout : undefined;
    });
    assert.equal(again.match(/Seccomp:.*/g)!.map((l) => l.split(/\s+/)[1]), ['2', '2'], 'restart keeps the filter');
  } finally {
    await nook(['rm', '-f', name]);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('strict.json given by path (or a copy of it) drops every capability, as `strict` does', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nook-strict-path-'));
  try {
    writeFileSync(join(dir, 'copy.json'), builtinProfile('strict'));
    const capEff = 'grep CapEff: /proc/self/status';
    for (const ref of ['strict', join(dirname(nookBin()), 'profiles', 'strict.json'), join(dir, 'copy.json')]) {
      const r = await nook(['run', '--rm', '--network', 'none', '--security-opt', `seccomp=${ref}`, 'host', 'sh', '-c', capEff]);
      assert.is(r.code, 0, r.stderr);
      assert.match(r.stdout, /CapEff:\s+0000000000000000/, `${ref}: ${r.stdout}`);
    }
    // --cap-add still adds back what is asked for
    const add = await nook(['run', '--rm', '--network', 'none', '--security-opt', `seccomp=${join(dir, 'copy.json')}`, '--cap-add', 'CHOWN', 'host', 'sh', '-c', capEff]);
    assert.match(add.stdout, /CapEff:\s+0000000000000001/, add.stdout + add.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// An i386 program (assembled here: binutils needs no 32-bit libc) that makes one socket through
// socketcall(2), whose arguments sit in memory, or with a first argument through socket(2)
// (i386 number 359), whose family a filter can see. Its exit status is the errno (0: made).
const I386_SOCKET = `
.globl _start
.text
_start:
  cmpl $1, (%esp)
  jne direct
  movl $102, %eax
  movl $1, %ebx
  movl $args, %ecx
  int $0x80
  jmp done
direct:
  movl $359, %eax
  movl args, %ebx
  movl args+4, %ecx
  movl args+8, %edx
  int $0x80
done:
  testl %eax, %eax
  js 1f
  xorl %eax, %eax
1:
  negl %eax
  movl %eax, %ebx
  movl $1, %eax
  int $0x80
.data
args: .long 38, 5, 0
`;

test('i386: socketcall cannot bypass the socket family filter (ENOSYS); strict has no i386 entry at all', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nook-i386-'));
  try {
    writeFileSync(join(dir, 'sock.S'), I386_SOCKET);
    const as = await hostRun('as', ['--32', '-o', join(dir, 'sock.o'), join(dir, 'sock.S')]);
    assert.is(as.code, 0, as.stderr);
    const ld = await hostRun('ld', ['-m', 'elf_i386', '-o', join(dir, 'sock'), join(dir, 'sock.o')]);
    assert.is(ld.code, 0, ld.stderr);
    // the host image's /tmp is private: the program comes in through a bind
    const run = (...opts: string[]) => nook(['run', '--rm', '--network', 'none', '-v', `${dir}:/mnt:ro`, ...opts, 'host', 'sh', '-c',
      '/mnt/sock; echo "socketcall=$?"; /mnt/sock direct; echo "socket=$?"']);
    const unconfined = await run('--security-opt', 'seccomp=unconfined');
    assert.match(unconfined.stdout, /socketcall=(0|97)\n/, `control: the call reaches the kernel: ${unconfined.stdout}${unconfined.stderr}`);
    const def = await run();
    assert.match(def.stdout, /socket=1\n/, `AF_ALG through socket(2) is refused: ${def.stdout}${def.stderr}`);
    assert.match(def.stdout, /socketcall=38\n/, `socketcall is refused with ENOSYS: ${def.stdout}${def.stderr}`);
    const strict = await run('--security-opt', 'seccomp=strict');
    assert.match(strict.stdout, /socketcall=159\nsocket=159\n/, `strict kills any i386 entry (128 + SIGSYS): ${strict.stdout}${strict.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Each attempt prints "name errno" (0: it worked). Raw x86_64 numbers through ctypes.
const UNTRUSTED = `
import ctypes, os, socket, sys, time
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def sc(name, nr, *a):
    sys.stdout.flush()
    ctypes.set_errno(0)
    r = libc.syscall(nr, *[ctypes.c_long(x) if isinstance(x, int) else x for x in a])
    print(name, 0 if r >= 0 else ctypes.get_errno())
    return r
def sock(name, *a):
    try:
        socket.socket(*a).close(); print(name, 0)
    except OSError as e:
        print(name, e.errno)
sock('packet', 17, socket.SOCK_RAW, 0)
sock('raw', socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
params = ctypes.create_string_buffer(120)
sc('io_uring_setup', 425, 1, params)
sc('userfaultfd', 323, 1)
attr = ctypes.create_string_buffer(128); attr[4] = 128
sc('perf_event_open', 298, attr, 0, -1, -1, 0)
sc('keyctl', 250, 0, -3, 0)
kind, desc, payload = ctypes.create_string_buffer(b'user'), ctypes.create_string_buffer(b'k'), ctypes.create_string_buffer(b'v')
sc('add_key', 248, kind, desc, payload, 1, -3)
sc('request_key', 249, kind, desc, 0, 0)
sys.stdout.flush()
child = os.fork()
if child == 0:
    time.sleep(30); os._exit(0)
sc('ptrace_attach', 101, 16, child, 0, 0)
os.kill(child, 9); os.waitpid(child, 0)
r = sc('clone_newuser', 56, 0x10000000 | 17, 0, 0, 0, 0)
if r == 0: os._exit(0)
if r > 0: os.waitpid(r, 0)
sc('unshare_user', 272, 0x10000000)
`;

const UNTRUSTED_CALLS = ['packet', 'raw', 'io_uring_setup', 'userfaultfd', 'perf_event_open', 'keyctl', 'add_key', 'request_key', 'ptrace_attach', 'unshare_user', 'clone_newuser'];

async function untrusted(profile: string): Promise<Map<string, number>> {
  const r = await nook(['run', '--rm', '--network', 'none', '--security-opt', `seccomp=${profile}`, 'host', PY, '-c', UNTRUSTED]);
  assert.is(r.code, 0, r.stderr);
  const got = new Map(r.stdout.trim().split('\n').map((l) => [l.split(' ')[0]!, Number(l.split(' ')[1])] as const));
  for (const name of UNTRUSTED_CALLS) assert.ok(got.has(name), `${profile}: no result for ${name}: ${r.stdout}`);
  return got;
}

test('strict refuses what untrusted code uses to attack the kernel; default allows NET_RAW sockets, as Docker does', async () => {
  const strict = await untrusted('strict');
  for (const name of UNTRUSTED_CALLS) {
    assert.is(strict.get(name), name === 'io_uring_setup' ? 38 : 1, `strict: ${name}`);
  }
  const def = await untrusted('default');
  assert.is(def.get('packet'), 0, 'default: AF_PACKET (NET_RAW is one of Docker\'s capabilities)');
  assert.is(def.get('raw'), 0, 'default: a raw IP socket');
  for (const name of UNTRUSTED_CALLS.filter((n) => n !== 'packet' && n !== 'raw')) {
    assert.ok(def.get(name) === 1 || def.get(name) === 38, `default refuses ${name}: ${def.get(name)}`);
  }
  // control: without a filter the kernel lets these through here, so the refusals above are the filter's
  const none = await untrusted('unconfined');
  for (const name of ['packet', 'raw', 'keyctl', 'ptrace_attach', 'unshare_user', 'clone_newuser']) assert.is(none.get(name), 0, `unconfined: ${name}`);
});

test.run();
