// The config file's shape and every default, in one place. Objects are strict: a misspelt key
// is an error, not a silently ignored setting. Each message is the "expected ..." phrase of the
// one-line error that validate.ts builds, so it reads as `key: expected <message>, got <value>`.
import * as v from 'valibot';

export const NETWORK_MODES = ['auto', 'pasta', 'slirp4netns', 'none', 'host'] as const;
export const STORAGE_DRIVERS = ['overlay', 'fuse-overlayfs', 'copy', 'auto'] as const;
export const LIMITS_MECHANISMS = ['auto', 'rlimits', 'cgroup-v2'] as const;
/** setrlimit(2) resources by the names Docker's `--ulimit` uses. */
export const ULIMIT_NAMES = [
  'as', 'core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile',
  'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack',
] as const;

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

const oneOf = (options: readonly string[]) => `one of ${options.join('|')}`;

function positiveWhole(msg: string) {
  return v.pipe(v.number(msg), v.safeInteger(msg), v.minValue(1, msg));
}

function byteCount(what: string) {
  return positiveWhole(`${what} as a positive whole number of bytes`);
}

function intRange(min: number, max: number) {
  const msg = `an integer from ${min} to ${max}`;
  return v.pipe(v.number(msg), v.integer(msg), v.minValue(min, msg), v.maxValue(max, msg));
}

const ULIMIT_VALUE = /^(\d+|unlimited)(:(\d+|unlimited))?$/;
const ulimitMsg = 'SOFT[:HARD], each a number or "unlimited"';

/** `nofile: "1024:4096"`: the soft limit may not exceed the hard one. */
const ulimitValue = v.pipe(
  v.string(ulimitMsg),
  v.regex(ULIMIT_VALUE, ulimitMsg),
  v.check((s) => {
    const [soft, hard = soft] = s.split(':');
    if (hard === 'unlimited') return true;
    return soft !== 'unlimited' && Number(soft) <= Number(hard);
  }, 'a soft limit no higher than the hard limit'),
);

const hostName = v.pipe(v.string('a registry host such as localhost:5000'), v.nonEmpty('a registry host such as localhost:5000'));

export const configSchema = v.strictObject(
  {
    network: v.optional(v.picklist(NETWORK_MODES, oneOf(NETWORK_MODES)), 'auto'),
    networkOptions: v.optional(v.array(v.string('KEY=VALUE'), 'a list of KEY=VALUE such as allow_host_loopback=true'), []),
    storageDriver: v.optional(v.picklist(STORAGE_DRIVERS, oneOf(STORAGE_DRIVERS)), 'auto'),
    profile: v.optional(
      v.pipe(v.string('a seccomp profile name or path'), v.nonEmpty('a seccomp profile name or path')),
      'default',
    ),
    registries: v.optional(
      v.strictObject(
        {
          insecure: v.optional(v.array(hostName, 'a list of registry hosts'), []),
          mirrors: v.optional(
            v.record(hostName, v.array(hostName, 'a list of mirror hosts'), 'an object of registry host: [mirror hosts]'),
            {},
          ),
        },
        'an object with insecure and mirrors',
      ),
      {},
    ),
    limits: v.optional(
      v.strictObject(
        {
          // Decompression-bomb guards: unpacking stops once a layer or image grows past these.
          maxLayerBytes: v.optional(byteCount('the unpacked size limit of one layer'), 16 * GiB),
          maxImageBytes: v.optional(byteCount('the unpacked size limit of one image'), 64 * GiB),
          // Checked past 512 MiB unpacked (src/image/unpack-limits.ts). Real layers inflate 2-6x
          // (measured: the fixtures' debian and busybox layers 2.0-2.7x, node_modules 3.1x,
          // /usr/include 5.6x, /var/log 6.5x); only long runs of one byte reach gzip's ~1000x.
          // 100x is 15 times the most compressible of those, and stops a bomb after ~512 MiB
          // instead of at maxLayerBytes.
          maxExpansionRatio: v.optional(positiveWhole('the expansion ratio limit as a positive whole number'), 100),
          // Left free on the store's file system (f_bavail, so beyond root's reserve): room for
          // the user's own work and everyone else's on a shared disk.
          minFreeBytes: v.optional(byteCount('the free space an unpack must leave'), 1 * GiB),
          pullConcurrency: v.optional(intRange(1, 16), 3),
          // How long a registry may keep a pull waiting: for the headers of an answer, and for
          // the next byte of a body. Never a limit on a whole download, which may take hours.
          // At most undici's own headersTimeout and bodyTimeout (300 s), which would cut first.
          headerTimeoutSeconds: v.optional(intRange(1, 300), 30),
          idleTimeoutSeconds: v.optional(intRange(1, 300), 30),
          // Every container's defaults, so that a shared machine is safe without flags
          // (src/core/limits.ts): processes of the whole container, bytes one file may grow to.
          // 4096 processes is far above any build or test suite and far below the user's own
          // limit; 16 GiB is the largest layer an image may have (maxLayerBytes).
          pids: v.optional(intRange(1, 4194304), 4096),
          fileSize: v.optional(byteCount('the file size limit'), 16 * GiB),
          // a tmpfs without size= (--tmpfs, the host image's /tmp): its pages are the
          // machine's memory, which no rlimit counts; with --memory that is the size instead
          tmpfsSize: v.optional(byteCount('the tmpfs size limit'), 1 * GiB),
          // how: cgroup v2 where the user owns a delegated subtree, else rlimits (auto)
          mechanism: v.optional(v.picklist(LIMITS_MECHANISMS, oneOf(LIMITS_MECHANISMS)), 'auto'),
        },
        'an object with maxLayerBytes, maxImageBytes, maxExpansionRatio, minFreeBytes, pullConcurrency, headerTimeoutSeconds, idleTimeoutSeconds, pids, fileSize, tmpfsSize and mechanism',
      ),
      {},
    ),
    logs: v.optional(
      v.strictObject(
        {
          maxSize: v.optional(byteCount('the size at which a log file rotates'), 10 * MiB),
          maxFiles: v.optional(intRange(1, 100), 3),
        },
        'an object with maxSize and maxFiles',
      ),
      {},
    ),
    ulimits: v.optional(
      v.record(v.picklist(ULIMIT_NAMES, oneOf(ULIMIT_NAMES)), ulimitValue, 'an object such as { nofile: "1024:4096" }'),
      {},
    ),
  },
  'an object',
);

/** The configuration with every default filled in. */
export type NookConfig = v.InferOutput<typeof configSchema>;

/**
 * Who may set each key (issue 16). A project file comes with whatever directory the user
 * happens to stand in (a cloned repository, /tmp), so it may set only what cannot weaken the
 * sandbox or redirect what nook trusts; everything else belongs to the user's or the
 * system's config. A nested object of settings is classified key by key; every other value
 * (a list, a record) is one setting. The unit test walks configSchema: a new key without a
 * class here fails it.
 */
export type Trust = 'project' | 'user';
export type TrustTree = { readonly [key: string]: Trust | TrustTree };

export const KEY_TRUST = {
  // the seccomp filter (a name, or a path to any file on the host): `unconfined` turns it off
  profile: 'user',
  // `host` shares the host's network namespace; options such as allow_host_loopback open the host
  network: 'user',
  networkOptions: 'user',
  // selects the binary that mounts the root (fuse-overlayfs) and how layers are trusted
  storageDriver: 'user',
  // where images come from, and whether TLS is checked
  registries: { insecure: 'user', mirrors: 'user' },
  // decompression-bomb and disk guards: a project may not lift them under the user's store
  // (a timeout only decides how soon a stuck pull gives up)
  limits: {
    maxLayerBytes: 'user', maxImageBytes: 'user', maxExpansionRatio: 'user', minFreeBytes: 'user', pullConcurrency: 'project', headerTimeoutSeconds: 'project', idleTimeoutSeconds: 'project',
    // a container's default caps: a project may not lift them (the config's ulimits, which it may set, never do)
    pids: 'user', fileSize: 'user', tmpfsSize: 'user', mechanism: 'user',
  },
  logs: { maxSize: 'project', maxFiles: 'project' },
  // setrlimit inside the container: an unprivileged process may not exceed its own hard limits
  ulimits: 'project',
} as const satisfies { readonly [K in keyof NookConfig]: Trust | TrustTree };
