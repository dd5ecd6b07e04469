// `nook export`: a container's root file system as one flat tar. The launcher builds a root like
// the container's, inside a user namespace mapped like it: for an overlay, the container's upper
// dir goes on top of its image layers as one more lower layer (an empty scratch upper takes its
// place), so the kernel applies whiteouts and opaque dirs and the container's own upper and work
// dirs are never mounted twice. The container's own `tar` then writes the merged tree to
// stdout, as `nook cp` uses the container's tar; nothing else is mounted, so /proc, /dev and
// /sys export as the directories they are in the image. That tar is the container's code:
// it runs on a read-only root, without a network, with no_new_privs, the container's seccomp
// profile (`default` for an unconfined one) and one capability, to read every file.
import { closeSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { NookError } from '../../errors.js';
import { encodeDirectives, PROTOCOL_VERSION, replayablePlan, type Directive } from '../../core/directives.js';
import { capabilityMask, type Capability } from '../../security/capabilities.js';
import type { ResolvedProfile } from '../../security/seccomp/locate.js';
import { DEFAULT_PATH } from '../../core/env.js';
import type { StoreLayout } from '../../storage/layout.js';
import { withStoreLock } from '../leftovers.js';
import { removeInNamespace } from '../../nsworker/run-worker.js';
import { storeTempDir } from '../../storage/atomic.js';
import { SPAWNED_SECCOMP_FD } from '../../launcher/fd-layout.js';
import { spawnLauncher } from '../../launcher/spawned.js';

const ID_MAP_DIRECTIVES = new Set(['uid-map-helper', 'gid-map-helper', 'uid-map', 'gid-map', 'setgroups-deny']);

/** Reading files of any owner and mode; the root is read-only, so it writes nothing. */
export const EXPORT_CAPABILITIES: readonly Capability[] = ['DAC_OVERRIDE'];

/** The launcher plan that runs `tar` over the container's merged root. Pure. */
export function planExport(containerPlan: readonly Directive[], scratch: { upper: string; work: string }, seccompFd: number): Directive[] {
  const root = containerPlan.find((d) => d[0].startsWith('rootfs-'));
  if (!root) throw new NookError('the container has no root file system in its launch plan');
  let exportRoot: Directive;
  if (root[0] === 'rootfs-bind') {
    if (root[1] === '/') throw new NookError('the container runs the host image: there is no root file system of its own to export');
    exportRoot = root;
  } else {
    // rootfs-overlay (and its fuse variant): LOWERS UPPER WORK are the last three arguments.
    const [name, ...args] = root;
    const [lowers, upper] = args.slice(-3);
    exportRoot = [name, ...args.slice(0, -3), `${upper}:${lowers}`, scratch.upper, scratch.work];
  }
  const caps = capabilityMask(EXPORT_CAPABILITIES);
  return [
    ['version', PROTOCOL_VERSION],
    ...containerPlan.filter((d) => ID_MAP_DIRECTIVES.has(d[0])),
    ['unshare-net'],
    exportRoot,
    ['readonly-root-recursive'],
    ['hostname', 'nook-export'],
    ['env', `PATH=${DEFAULT_PATH}`],
    ['chdir', '/'],
    ['user', '0', '0'],
    ['caps', caps, caps, caps, '0', '0'],
    ['no-new-privs'],
    ['seccomp-fd', String(seccompFd)],
    // stdin stays the caller's (/dev/null): the root has no /dev of its own mounted
    ['stdin'],
    ['exec', 'tar', '-cf', '-', '.'],
  ];
}

/** Runs the export with the tar stream going to `out` (a file descriptor or our stdout). */
export async function exportContainer(s: StoreLayout, c: { id: string; name: string; plan: Directive[] | undefined; seccompProfile: ResolvedProfile | undefined }, out: number): Promise<void> {
  const plan = replayablePlan(c.plan, c.name);
  const { helperProgram } = await import('../../security/seccomp/compile.js');
  const { memfdWith } = await import('../../launcher/exec.js');
  const bpf = await helperProgram(c.seccompProfile, EXPORT_CAPABILITIES);
  await withStoreLock(s, async () => {
    const scratch = storeTempDir(s, 'export');
    const dirs = { upper: join(scratch.path, 'upper'), work: join(scratch.path, 'work') };
    try {
      mkdirSync(dirs.upper, { mode: 0o755 });
      mkdirSync(dirs.work, { mode: 0o700 });
      await runLauncher(encodeDirectives(planExport(plan, dirs, SPAWNED_SECCOMP_FD)), out, memfdWith('nook-seccomp', bpf), c.name);
    } finally {
      await removeInNamespace([scratch.path]);
      closeSync(scratch.fd);
    }
  }, { shared: true });
}

function runLauncher(directives: Buffer, out: number, seccomp: number, name: string): Promise<void> {
  return spawnLauncher(directives, ['ignore', out], seccomp).done((code, signal, line) => {
    if (code === 127) return new NookError(`exporting container ${name} failed: its image has no tar program`, { hint: 'nook export runs the container\'s own tar, as nook cp does' });
    return new NookError(`exporting container ${name} failed${line ? `: ${line}` : ` (${signal ?? `exit ${code}`})`}`);
  });
}
