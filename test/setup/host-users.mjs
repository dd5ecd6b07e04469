// Root only: makes this host look like a normal Debian host with an unprivileged user.
// `nooktest` gets subordinate id ranges; `nooknosub` gets none (the single-id fallback);
// /dev/fuse and /dev/net/tun become 0666 as Debian ships them (fresh VMs here have 0600).
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';

const SUBID_FILES = ['/etc/subuid', '/etc/subgid'];
const SUBID_COUNT = 65536;
const SUBID_FLOOR = 200000;

/** @returns {{ name: string, uid: number, gid: number, home: string }} */
export function lookupUser(name) {
  const line = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).trim();
  const [, , uid, gid, , home] = line.split(':');
  return { name, uid: Number(uid), gid: Number(gid), home };
}

function userExists(name) {
  try {
    execFileSync('getent', ['passwd', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function ensureUser(name) {
  if (userExists(name)) return;
  // useradd would allocate subordinate ids itself; ranges are managed below instead.
  execFileSync('useradd', ['-m', '-d', `/home/${name}`, '-s', '/bin/bash', '-U',
    '-K', 'SUB_UID_COUNT=0', '-K', 'SUB_GID_COUNT=0', name], { stdio: 'inherit' });
}

function readLines(file) {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '') : [];
}

function writeAtomically(file, lines) {
  const mode = existsSync(file) ? statSync(file).mode & 0o777 : 0o644;
  const tmp = `${file}.nook-test.${process.pid}`;
  writeFileSync(tmp, lines.map((l) => l + '\n').join(''), { mode });
  renameSync(tmp, file);
}

function ownsLine(line, user) {
  const owner = line.split(':')[0];
  return owner === user.name || owner === String(user.uid);
}

/** Gives `user` a range in both files unless it already has one; returns the subuid start. */
function ensureSubIds(user) {
  const everyLine = SUBID_FILES.flatMap(readLines);
  const end = Math.max(SUBID_FLOOR, ...everyLine.map((l) => {
    const [, start, count] = l.split(':');
    return Number(start) + Number(count);
  }).filter(Number.isFinite));
  for (const file of SUBID_FILES) {
    const lines = readLines(file);
    if (!lines.some((l) => ownsLine(l, user))) writeAtomically(file, [...lines, `${user.name}:${end}:${SUBID_COUNT}`]);
  }
}

function removeSubIds(user) {
  for (const file of SUBID_FILES) {
    const lines = readLines(file);
    const kept = lines.filter((l) => !ownsLine(l, user));
    if (kept.length !== lines.length) writeAtomically(file, kept);
  }
}

/**
 * @param {{ withRanges: string, withoutRanges: string }} names
 * @returns {{ withRanges: ReturnType<typeof lookupUser>, withoutRanges: ReturnType<typeof lookupUser> }}
 */
export function prepareHost(names) {
  ensureUser(names.withRanges);
  ensureUser(names.withoutRanges);
  const withRanges = lookupUser(names.withRanges);
  const withoutRanges = lookupUser(names.withoutRanges);
  ensureSubIds(withRanges);
  removeSubIds(withoutRanges);
  for (const dev of ['/dev/fuse', '/dev/net/tun']) {
    if (existsSync(dev)) chmodSync(dev, 0o666);
  }
  return { withRanges, withoutRanges };
}
