// Where a config file may live, in the order they are tried (DESIGN.md §3); the first file that
// holds a config wins, nothing is merged. Pure: the caller supplies the directories.
import { dirname, join, resolve } from 'node:path';

/** Names tried in each directory from the current one up to the home directory. */
export const PROJECT_FILES = [
  'package.json', // only its "nook" key
  '.nookrc',
  '.nookrc.json',
  '.nookrc.yaml',
  '.nookrc.yml',
  'nook.config.js',
  'nook.config.mjs',
  'nook.config.json',
  'nook.config.yaml',
  'nook.config.yml',
] as const;

/** Names tried in the user's and the system's config directories (cosmiconfig's convention). */
export const GLOBAL_FILES = ['config', 'config.json', 'config.yaml', 'config.yml', 'config.js', 'config.mjs'] as const;

export const SYSTEM_CONFIG_DIR = '/etc/nook';

export interface SearchRoots {
  cwd: string;
  home: string;
  /** `$XDG_CONFIG_HOME/nook` */
  userDir: string;
  systemDir: string;
}

/** The current directory and its parents up to the home directory, or up to / when outside it. */
export function projectDirs(cwd: string, home: string): string[] {
  const stop = resolve(home);
  const dirs: string[] = [];
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    dirs.push(dir);
    if (dir === stop || dirname(dir) === dir) return dirs;
  }
}

/** Every candidate path, in search order. */
export function configCandidates(roots: SearchRoots): string[] {
  return [
    ...projectDirs(roots.cwd, roots.home).flatMap((dir) => PROJECT_FILES.map((name) => join(dir, name))),
    ...GLOBAL_FILES.map((name) => join(roots.userDir, name)),
    ...GLOBAL_FILES.map((name) => join(roots.systemDir, name)),
  ];
}

/** A human summary of the search, for `nook doctor`. */
export function describeConfigSources(roots: SearchRoots): string {
  const names = `{${PROJECT_FILES.filter((n) => n !== 'package.json').join(',')}} or package.json#nook`;
  const last = projectDirs(roots.cwd, roots.home).at(-1);
  return `${names} from ${roots.cwd} up to ${last}, then ${roots.userDir}/config.*, then ${roots.systemDir}/config.*`;
}
