// Where config files may live, in three layers merged in this order: system
// (/etc/nook) < user ($XDG_CONFIG_HOME/nook) < project (the nearest file from the current
// directory up to the home directory, or up to / outside it). Pure: the caller supplies the
// directories and says which names exist.
import { dirname, join, resolve } from 'node:path';

export type Layer = 'system' | 'user' | 'project';

/** Names tried in each directory from the current one upwards; the first that holds a config wins. */
export const PROJECT_FILES = [
  'package.json', // only its "nook" key
  '.nookrc',
  '.nookrc.json',
  '.nookrc.yaml',
  '.nookrc.yml',
  'nook.config.json',
  'nook.config.yaml',
  'nook.config.yml',
] as const;

/** Names tried in the user's and the system's config directories. */
export const GLOBAL_FILES = ['config', 'config.json', 'config.yaml', 'config.yml'] as const;

/**
 * Config as code, which nook never runs (cosmiconfig did): a cloned repository would run its
 * own code as the user on the first `nook ps`. Such a file is named in a notice, not refused:
 * ignored, it can weaken nothing, and the notice tells its author why it has no effect.
 */
export const CODE_FILES = ['nook.config', '.nookrc'].flatMap((base) => ['js', 'mjs', 'cjs', 'ts'].map((ext) => `${base}.${ext}`));
export const GLOBAL_CODE_FILES = ['config.js', 'config.mjs', 'config.cjs', 'config.ts'] as const;

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

export interface Candidates {
  layer: Layer;
  /** data files, in the order tried; the first that holds a config is the layer's file */
  files: string[];
  /** code files that are never run, only named */
  ignored: string[];
}

/**
 * The candidates of each layer, lowest first; the project layer as one group per directory,
 * nearest first (its search stops at the first directory holding a config).
 */
export function configCandidates(roots: SearchRoots): Candidates[] {
  const global = (layer: Layer, dir: string): Candidates => ({
    layer,
    files: GLOBAL_FILES.map((n) => join(dir, n)),
    ignored: GLOBAL_CODE_FILES.map((n) => join(dir, n)),
  });
  return [
    global('system', roots.systemDir),
    global('user', roots.userDir),
    ...projectDirs(roots.cwd, roots.home).map((dir): Candidates => ({
      layer: 'project',
      files: PROJECT_FILES.map((n) => join(dir, n)),
      ignored: CODE_FILES.map((n) => join(dir, n)),
    })),
  ];
}

/** A human summary of the search, for `nook doctor`. */
export function describeConfigSources(roots: SearchRoots): string {
  const names = `{${PROJECT_FILES.filter((n) => n !== 'package.json').join(',')}} or package.json#nook`;
  const last = projectDirs(roots.cwd, roots.home).at(-1);
  return `${roots.systemDir}/config.*, then ${roots.userDir}/config.*, then the nearest of ${names} from ${roots.cwd} up to ${last} (restricted to harmless keys)`;
}
