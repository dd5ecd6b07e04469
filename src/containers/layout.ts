// Where a container's files are. containers/<id>/ holds config.json (written by the CLI at
// create/run), state.json (written only by the supervisor), container.log[.N] (the
// supervisor's json-file log), and the markers the verbs own: `stopped` (stop on purpose:
// never restart) and `paused` (the pid whose processes were stopped with SIGSTOP).
import { join } from 'node:path';
import { dataDir, runtimeDir } from '../paths.js';

export const containersDir = (): string => join(dataDir(), 'containers');
export const namesDir = (): string => join(dataDir(), 'names');
export const containerDir = (id: string): string => join(containersDir(), id);

export const containerFiles = (id: string) => {
  const dir = containerDir(id);
  return {
    dir,
    config: join(dir, 'config.json'),
    state: join(dir, 'state.json'),
    log: join(dir, 'container.log'),
    stopMarker: join(dir, 'stopped'),
    pausedMarker: join(dir, 'paused'),
    /** the seccomp profile as read at create */
    seccompProfile: join(dir, 'seccomp.json'),
    /** a kernel overlay's or fuse-overlayfs's upper and work dirs */
    upper: join(dir, 'upper'),
    work: join(dir, 'work'),
  };
};

/**
 * The supervisor's attach socket: in the runtime dir (gone after a reboot, like the
 * supervisor), named by the short id because a socket path must fit in 108 bytes.
 */
export const attachSocketPath = (id: string): string => join(runtimeDir(), 'attach', `${id.slice(0, 12)}.sock`);

/** The lock serialising verbs that change one container (stop, rm, rename, pause ...). */
export const containerLockPath = (id: string): string => join(runtimeDir(), 'locks', `container-${id}.lock`);

/** The lock serialising changes to the names directory (rename, rm). */
export const namesLockPath = (): string => join(runtimeDir(), 'locks', 'names.lock');
