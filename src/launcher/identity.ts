// Who runs nook, and which ids the kernel will let us map for them.
import { accessSync, constants } from 'node:fs';
import { userInfo } from 'node:os';
import { subIdRanges } from '../config/subid.js';
import type { Identity } from '../core/plan.js';
import { readOrEmpty } from '../util/read-text.js';

/** Where `run` takes newuidmap/newgidmap from (system directories only); '' when missing. */
export function findTool(name: string): string {
  for (const dir of ['/usr/bin', '/usr/sbin', '/bin', '/sbin', '/usr/local/bin']) {
    try {
      accessSync(`${dir}/${name}`, constants.X_OK);
      return `${dir}/${name}`;
    } catch {
      /* try the next */
    }
  }
  return '';
}

export function currentIdentity(): Identity {
  const uid = process.getuid!();
  const gid = process.getgid!();
  const name = userInfo().username;
  const newuidmap = findTool('newuidmap');
  const newgidmap = findTool('newgidmap');
  // Without the helpers the ranges are of no use: fall back to the single-id map.
  const usable = newuidmap !== '' && newgidmap !== '';
  return {
    uid,
    gid,
    subuid: usable ? subIdRanges(readOrEmpty('/etc/subuid'), name, uid) : [],
    subgid: usable ? subIdRanges(readOrEmpty('/etc/subgid'), name, uid) : [],
    newuidmap,
    newgidmap,
  };
}

/** The highest capability number this kernel knows (capsets beyond it are refused). */
export function lastCapability(): number {
  const n = Number(readOrEmpty('/proc/sys/kernel/cap_last_cap').trim() || '40');
  return Number.isInteger(n) ? n : 40;
}
