// Resolving `--user` against the root file system's /etc/passwd and /etc/group (pure: the
// caller reads the files). Docker's rules: name or uid, optionally `:group` or `:gid`; a
// numeric uid absent from passwd runs with gid 0.
import { fail } from '../errors.js';

export interface PasswdEntry { name: string; uid: number; gid: number; home: string }
export interface GroupEntry { name: string; gid: number; members: string[] }

export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 7 || !/^\d+$/.test(f[2]!) || !/^\d+$/.test(f[3]!)) continue;
    out.push({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5]! });
  }
  return out;
}

export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 4 || !/^\d+$/.test(f[2]!)) continue;
    out.push({ name: f[0]!, gid: Number(f[2]), members: f[3]!.split(',').filter(Boolean) });
  }
  return out;
}

export interface ResolvedUser { uid: number; gid: number; groups: number[]; home: string }

const ID = /^\d+$/;

export function resolveUser(spec: string, passwdText: string, groupText: string): ResolvedUser {
  const [userPart, groupPart, extra] = spec.split(':');
  if (extra !== undefined || !userPart) fail(`invalid user "${spec}"`, 'use NAME, UID, NAME:GROUP or UID:GID');
  const passwd = parsePasswd(passwdText);
  const groups = parseGroup(groupText);
  const entry = ID.test(userPart) ? passwd.find((p) => p.uid === Number(userPart)) : passwd.find((p) => p.name === userPart);
  if (!entry && !ID.test(userPart)) {
    fail(`unable to find user ${userPart}: no matching entries in passwd file`, 'use a uid, or a user of the image');
  }
  const uid = entry ? entry.uid : Number(userPart);
  let gid = entry ? entry.gid : 0;
  if (groupPart !== undefined) {
    if (ID.test(groupPart)) gid = Number(groupPart);
    else {
      const g = groups.find((x) => x.name === groupPart);
      if (!g) fail(`unable to find group ${groupPart}: no matching entries in group file`);
      gid = g.gid;
    }
  }
  if (uid > 0xfffffffe || gid > 0xfffffffe) fail(`invalid user "${spec}": id out of range`);
  // Supplementary groups: the groups listing the user by name, as initgroups() would.
  const supplementary = entry && groupPart === undefined
    ? groups.filter((g) => g.members.includes(entry.name)).map((g) => g.gid)
    : [];
  const all = [...new Set([gid, ...supplementary])];
  return { uid, gid, groups: all, home: entry?.home || '/' };
}
