// The processes of a running container: every process whose pid namespace is the one of the
// container's init. Without a delegated cgroup this is how top, pause and stats find them.
import { allPids, nsLink } from './procfs.js';

export function containerProcesses(initPid: number): number[] {
  const ns = nsLink(initPid, 'pid');
  if (!ns) return [];
  return allPids().filter((p) => nsLink(p, 'pid') === ns);
}
