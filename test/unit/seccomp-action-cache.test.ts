// The kernel's seccomp action cache (Linux 5.11+) lets a call skip the filter when the program's
// result for it is a constant ALLOW on the native architecture: at load time the kernel
// emulates the program knowing only `nr` and `arch` (kernel/seccomp.c, seccomp_is_const_allow)
// and gives up at a load of anything else or an instruction it does not know. A hot call that
// loses this (an argument check on its path) runs the whole program on every call: here ~20 ns
// more than the ~19 ns that any filter costs a getppid (bench/seccomp.mjs).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CAPABILITIES } from '../../src/security/capabilities.js';
import { nativeArch, type Arch } from '../../src/security/seccomp/arches.js';
import { compileProfile } from '../../src/security/seccomp/compile.js';
import { resolveSyscall } from '../../src/security/seccomp/libseccomp.js';
import { resolveProfile } from '../../src/security/seccomp/locate.js';

const scratch = mkdtempSync(join(tmpdir(), 'nook-seccomp-cache-'));
test.before(() => {
  process.env['XDG_CACHE_HOME'] = join(scratch, 'cache');
});
test.after(() => rmSync(scratch, { recursive: true, force: true }));

/** AUDIT_ARCH_* (linux/audit.h): what seccomp_data.arch holds for a native call */
const AUDIT_ARCH: Partial<Record<Arch, number>> = { x86_64: 0xc000003e, aarch64: 0xc00000b7 };
const RET_ALLOW = 0x7fff0000;

/** seccomp_is_const_allow, instruction for instruction */
function constantAllow(bpf: Buffer, nr: number, arch: number): boolean {
  let a = 0;
  for (let pc = 0; pc < bpf.length / 8; pc++) {
    const code = bpf.readUInt16LE(pc * 8);
    const jt = bpf.readUInt8(pc * 8 + 2);
    const jf = bpf.readUInt8(pc * 8 + 3);
    const k = bpf.readUInt32LE(pc * 8 + 4);
    switch (code) {
      case 0x20: // BPF_LD | BPF_W | BPF_ABS
        if (k === 0) a = nr;
        else if (k === 4) a = arch;
        else return false;
        break;
      case 0x06: // BPF_RET | BPF_K
        return k === RET_ALLOW;
      case 0x05: // BPF_JMP | BPF_JA
        pc += k;
        break;
      case 0x15: // BPF_JMP | BPF_JEQ | BPF_K
      case 0x35: // BPF_JGE
      case 0x25: // BPF_JGT
      case 0x45: { // BPF_JSET
        const taken = code === 0x15 ? a === k : code === 0x35 ? a >= k : code === 0x25 ? a > k : (a & k) !== 0;
        pc += taken ? jt : jf;
        break;
      }
      case 0x54: // BPF_ALU | BPF_AND | BPF_K
        a = (a & k) >>> 0;
        break;
      default:
        return false;
    }
  }
  return false;
}

/** What syscall-heavy programs call most: I/O, files, memory, time, signals, waiting. */
const HOT = [
  'read', 'write', 'pread64', 'pwrite64', 'readv', 'writev', 'openat', 'close', 'newfstatat', 'fstat', 'statx',
  'lseek', 'getdents64', 'fcntl', 'dup3', 'pipe2', 'mmap', 'munmap', 'mprotect', 'madvise', 'brk', 'futex',
  'clock_gettime', 'clock_nanosleep', 'nanosleep', 'epoll_wait', 'epoll_pwait', 'ppoll', 'pselect6', 'recvfrom',
  'sendto', 'recvmsg', 'sendmsg', 'accept4', 'rt_sigaction', 'rt_sigprocmask', 'rt_sigreturn', 'sched_yield',
  'getpid', 'getppid', 'gettid', 'getuid', 'getrandom', 'wait4', 'exit_group',
];

for (const name of ['default', 'strict']) {
  test(`${name}: the hot calls are constant ALLOW for the native architecture, so the kernel skips the filter for them`, async () => {
    const arch = AUDIT_ARCH[nativeArch()];
    assert.ok(arch, `an AUDIT_ARCH for ${nativeArch()}`);
    const { bpf } = await compileProfile({ profile: resolveProfile(name), capabilities: DEFAULT_CAPABILITIES });
    const nr = (call: string) => resolveSyscall(nativeArch(), call);
    assert.equal(HOT.filter((call) => !constantAllow(bpf!, nr(call), arch)), [], 'calls that run the program each time');
    // ioctl's check of its request (TIOCSTI) needs the argument: the run is the price of that refusal.
    assert.not.ok(constantAllow(bpf!, nr('ioctl'), arch), 'ioctl');
    assert.not.ok(constantAllow(bpf!, nr('keyctl'), arch), 'keyctl is refused');
  });
}

test.run();
