// The pure judgements over config files (issue 16, in the spirit of git's safe.directory):
// whose file it is, which keys its layer may set, and how the layers merge. load.ts gathers
// the facts (stat, parse) and acts on the answers.
import type { GroupEntry, PasswdEntry } from '../core/users.js';
import { KEY_TRUST, type Trust, type TrustTree } from './schema.js';
import type { Layer } from './sources.js';

/** What stat says about a config file and the directory holding it. */
export interface FileFacts {
  path: string;
  /** owner of the name itself (lstat): a symbolic link planted by someone else counts as theirs */
  linkUid: number;
  /** owner, group and mode of the file it resolves to */
  uid: number;
  gid: number;
  mode: number;
  dir: { path: string; uid: number; gid: number; mode: number };
}

const S_ISVTX = 0o1000;

/**
 * Whether group `gid` holds nobody but the user (and root): then its write bit lets nobody
 * else in. Debian's rule for harmless group-writability (its OpenSSH patch), for the umask
 * 002 that user private groups come with: every member, by primary group in passwd or by
 * the group's list, is the user or root, and the user is one. A member passwd does not know
 * counts as someone else.
 */
export function soleMemberGroup(gid: number, uid: number, passwd: ReadonlyArray<PasswdEntry>, groups: ReadonlyArray<GroupEntry>): boolean {
  const group = groups.find((g) => g.gid === gid);
  if (!group) return false;
  const uidOf = new Map(passwd.map((p) => [p.name, p.uid]));
  const members = [...passwd.filter((p) => p.gid === gid).map((p) => p.uid), ...group.members.map((n) => uidOf.get(n) ?? -1)];
  return members.includes(uid) && members.every((m) => m === uid || m === 0);
}

/** Who besides the owner may write, by the mode's group and other bits; undefined for nobody. */
function otherWriters(mode: number, gid: number, ownGroup: (gid: number) => boolean): string | undefined {
  if (mode & 0o002) return 'others';
  if (mode & 0o020 && !ownGroup(gid)) return 'its group';
  return undefined;
}

/**
 * Why a config file may not be trusted, or undefined when it may: it must be the user's or
 * root's, writable by nobody else, in a directory of the user's or root's where nobody else
 * can swap it (a directory others may write to must be sticky, as /tmp is). `ownGroup` says
 * whether a group holds only the user (soleMemberGroup). With the reason comes its fix.
 */
export function distrust(f: FileFacts, uid: number, ownGroup: (gid: number) => boolean): { reason: string; fix: string } | undefined {
  const foreign = (owner: number) => owner !== uid && owner !== 0;
  const notYours = 'remove it if you did not write it, or run nook from another directory';
  if (foreign(f.uid)) return { reason: `it is owned by uid ${f.uid}, not by you (uid ${uid}) or root`, fix: notYours };
  if (foreign(f.linkUid)) return { reason: `it is a link owned by uid ${f.linkUid}, not by you (uid ${uid}) or root`, fix: notYours };
  const fileWriters = otherWriters(f.mode, f.gid, ownGroup);
  if (fileWriters) return { reason: `it is writable by ${fileWriters} (mode ${(f.mode & 0o777).toString(8)})`, fix: `chmod go-w ${f.path}` };
  const elsewhere = 'move it to a directory of your own';
  if (foreign(f.dir.uid)) return { reason: `its directory ${f.dir.path} is owned by uid ${f.dir.uid}, not by you (uid ${uid}) or root`, fix: elsewhere };
  const dirWriters = otherWriters(f.dir.mode, f.dir.gid, ownGroup);
  if (dirWriters && !(f.dir.mode & S_ISVTX)) {
    return { reason: `its directory ${f.dir.path} is writable by ${dirWriters} and not sticky, so the file can be swapped`, fix: elsewhere };
  }
  return undefined;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Each setting the value holds, as [dotted key, trust], walking the classification. */
function settings(raw: unknown, tree: TrustTree, prefix = ''): Array<[string, Trust]> {
  if (!isObject(raw)) return [];
  return Object.keys(raw).flatMap((key): Array<[string, Trust]> => {
    const trust = tree[key];
    const path = prefix + key;
    // a key without a class (the unit test over the schema forbids one) fails closed
    if (trust === undefined) return [[path, 'user']];
    return typeof trust === 'string' ? [[path, trust]] : settings(raw[key], trust, `${path}.`);
  });
}

/** The first key of a project file that only the user's or the system's config may set. */
export function forbiddenInProject(raw: unknown, tree: TrustTree = KEY_TRUST): string | undefined {
  return settings(raw, tree).find(([, trust]) => trust === 'user')?.[0];
}

export interface LayerFile {
  layer: Layer;
  path: string;
  /** the parsed, schema-checked value (no defaults filled) */
  raw: Record<string, unknown>;
}

export interface Origin {
  layer: Layer;
  path: string;
}

/**
 * The layers merged, lowest first: a nested object of settings merges key by key, every
 * setting (a value, a list, a record) is replaced whole by a higher layer. Also where each
 * setting set came from, by dotted key.
 */
export function mergeLayers(files: ReadonlyArray<LayerFile>, tree: TrustTree = KEY_TRUST): { raw: Record<string, unknown>; origins: Map<string, Origin> } {
  const origins = new Map<string, Origin>();
  const merge = (into: Record<string, unknown>, raw: Record<string, unknown>, t: TrustTree, from: Origin, prefix: string): void => {
    for (const [key, value] of Object.entries(raw)) {
      const sub = t[key];
      if (sub !== undefined && typeof sub !== 'string' && isObject(value)) {
        const target = isObject(into[key]) ? into[key] : (into[key] = {});
        merge(target, value, sub, from, `${prefix}${key}.`);
      } else {
        into[key] = value;
        origins.set(prefix + key, from);
      }
    }
  };
  const raw: Record<string, unknown> = {};
  for (const f of files) merge(raw, f.raw, tree, { layer: f.layer, path: f.path }, '');
  return { raw, origins };
}
