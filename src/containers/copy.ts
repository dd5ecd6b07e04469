// `cp` inside a running container: a short process joins the container (through the launcher,
// as `exec` does, as root) and runs the container's own sh and tar, so every path resolves
// inside the container's root and a link in it can never point a write at the host. The host
// side only reads or writes tar streams. Needs sh and tar in the container (busybox has both).
// That sh and tar are the container's code: they run with no_new_privs, the container's
// seccomp profile (`default` for an unconfined one) and only the capabilities tar needs.
import type { ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { NookError } from '../errors.js';
import { encodeDirectives } from '../core/directives.js';
import { helperCapabilities, planExec } from '../core/exec-plan.js';
import type { Capability } from '../security/capabilities.js';
import { entryProcess, type Container } from './state.js';
import { recordedProcess } from './record.js';
import { SPAWNED_SECCOMP_FD } from '../launcher/fd-layout.js';
import { spawnLauncher } from '../launcher/spawned.js';

/** Exit codes of the scripts below that mean a user error, with Docker's wording. */
const SCRIPT_ERRORS: Record<number, (path: string, ref: string) => string> = {
  3: (p, ref) => `Could not find the file ${p} in container ${ref}`,
  4: (p) => `destination directory ${p} does not exist`,
  5: (p) => `cannot copy a directory to an existing file ${p}`,
};

/** Packs $1 (SRC, or SRC/. for its contents) to stdout; $2 non-empty: follow a link given as SRC. */
const PACK = `src=$1
[ -e "$src" ] || [ -L "$src" ] || exit 3
case "$src" in */.) cd -- "\${src%/.}" 2>/dev/null || exit 3; exec tar -c -f - . ;; esac
[ -n "$2" ] && [ -L "$src" ] && src=$(readlink -f -- "$src")
cd -- "$(dirname -- "$src")" && exec tar -c -f - -- "$(basename -- "$src")"`;

/**
 * Unpacks stdin at $1. $2: the archive's one top entry (empty: unpack into $1, a directory,
 * created when missing if $3 is "contents"). $4: tar's extra flag (-o: owned by root).
 */
const UNPACK = `dest=$1 name=$2 mode=$3 own=$4
if [ "$mode" = contents ]; then [ -d "$dest" ] || mkdir -- "$dest" || exit 4; exec tar -x $own -f - -C "$dest"; fi
if [ -d "$dest" ]; then exec tar -x $own -f - -C "$dest"; fi
case "$dest" in */) exit 4 ;; esac
[ -n "$name" ] || exit 4
parent=$(dirname -- "$dest")
[ -d "$parent" ] || exit 4
tmp=$(mktemp -d "$parent/.nook-cp-XXXXXX") || exit 1
tar -x $own -f - -C "$tmp" || { rm -rf -- "$tmp"; exit 1; }
if [ -d "$tmp/$name" ] && [ -e "$dest" ]; then rm -rf -- "$tmp"; exit 5; fi
rm -f -- "$dest" && mv -- "$tmp/$name" "$dest"; st=$?
rm -rf -- "$tmp"
exit $st`;

export interface InContainer { child: ChildProcess; done: Promise<void> }

/** Reading any file (packing); writing anywhere, with modes and, for -a, owners (unpacking). */
const PACK_CAPABILITIES: readonly Capability[] = ['DAC_OVERRIDE'];
const UNPACK_CAPABILITIES: readonly Capability[] = ['DAC_OVERRIDE', 'FOWNER', 'FSETID'];

async function joinAndRun(c: Container, ref: string, argv: string[], pathForErrors: string, withStdin: boolean, wanted: readonly Capability[]): Promise<InContainer> {
  if (!c.state.running || c.state.restarting) throw new NookError(`container ${c.id} is not running`, { hint: 'nook cp works on running containers: start it first' });
  if (c.state.paused) throw new NookError(`container ${c.id} is paused, unpause the container before cp`);
  const container = recordedProcess(c.config);
  if (!container) throw new NookError(`container ${c.config.name} has no launch plan`, { hint: 'it was created by an older nook' });
  const target = entryProcess(c);
  if (!target) throw new NookError(`container ${c.id} is not running`);
  const { pid, startTicks } = target;
  const capabilities = helperCapabilities(container, wanted);
  const { helperProgram } = await import('../security/seccomp/compile.js');
  const { recordedProfile } = await import('./start.js');
  const { memfdWith } = await import('../launcher/exec.js');
  const bpf = await helperProgram(recordedProfile(c.config), capabilities);
  const directives = planExec({
    container,
    pid,
    startTicks,
    command: argv,
    env: [],
    workdir: '/',
    user: { uid: 0, gid: 0, groups: [], home: '/root' },
    tty: false,
    interactive: withStdin,
    terminalFds: [], // the launcher's stdio are our pipes
    detach: false,
    seccompFd: SPAWNED_SECCOMP_FD,
    confined: { capabilities },
  });
  const launched = spawnLauncher(encodeDirectives(directives), [withStdin ? 'pipe' : 'ignore', 'pipe'], memfdWith('nook-seccomp', bpf));
  const done = launched.done((code, _signal, line) => {
    const known = code !== null ? SCRIPT_ERRORS[code] : undefined;
    if (known) return new NookError(known(pathForErrors, ref));
    return new NookError(`copying ${pathForErrors} in container ${ref} failed${line ? `: ${line}` : ` (exit ${code})`}`);
  });
  return { child: launched.child, done };
}

/** A tar stream of `path` (or its contents for "path/.") read inside the container. */
export async function packInContainer(c: Container, ref: string, path: string, followLink: boolean): Promise<{ stream: Readable; done: Promise<void> }> {
  const run = await joinAndRun(c, ref, ['sh', '-c', PACK, 'nook-cp', path, followLink ? 'y' : ''], path, false, PACK_CAPABILITIES);
  return { stream: run.child.stdout!, done: run.done };
}

/** Unpacks a tar stream at `dest` inside the container; `topName` renames nothing, it names
 * the archive's one top entry when `dest` is a new name rather than a directory. */
export async function unpackInContainer(c: Container, ref: string, dest: string, opts: { topName: string; contents: boolean; keepOwners: boolean }): Promise<{ input: Writable; done: Promise<void> }> {
  const argv = ['sh', '-c', UNPACK, 'nook-cp', dest, opts.topName, opts.contents ? 'contents' : 'entry', opts.keepOwners ? '' : '-o'];
  const run = await joinAndRun(c, ref, argv, dest, true, opts.keepOwners ? [...UNPACK_CAPABILITIES, 'CHOWN'] : UNPACK_CAPABILITIES);
  run.child.stdout!.resume();
  return { input: run.child.stdin!, done: run.done };
}
