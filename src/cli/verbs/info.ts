// `nook info`: the choices nook makes on this machine for this user (storage driver, id
// mapping, network, profile, limits), each from the same functions `run` uses, and the
// config files that made them.
import { release } from 'node:os';
import { existsSync } from 'node:fs';
import { announce, findConfig } from '../../config/load.js';
import { currentIdentity } from '../../launcher/identity.js';
import { chooseDriver } from '../../rootfs/driver.js';
import { dataDir, launcherPath, runtimeDir } from '../../paths.js';
import { NookError } from '../../errors.js';
import { hostMechanism } from '../../launcher/limits.js';
import type { InfoFlags } from '../flags/info.js';
import { bytesSize } from '../../util/units.js';

export async function info(opts: InfoFlags): Promise<number> {
  const found = await findConfig();
  announce(found);
  const { config } = found;
  const profileOrigin = found.origins.get('profile');
  const id = currentIdentity();
  let driver: string;
  try {
    driver = chooseDriver(config.storageDriver);
  } catch (e) {
    driver = `none (${e instanceof NookError ? e.message : String(e)})`;
  }
  const cgroup = existsSync('/sys/fs/cgroup/cgroup.controllers') ? 'v2' : 'v1';
  const limits = hostMechanism(config.limits.mechanism);
  const data = {
    version: '0.1.0',
    kernel: release(),
    storageDriver: driver,
    storageDriverRequested: config.storageDriver,
    idMapping: id.subuid.length && id.subgid.length
      ? { mode: 'subordinate ranges', uid: id.uid, subuid: id.subuid, subgid: id.subgid }
      : { mode: 'single id', uid: id.uid },
    network: config.network,
    seccompProfile: config.profile,
    // `run` takes --security-opt seccomp= and --privileged over this
    seccompProfileSource: profileOrigin ? { from: profileOrigin.layer, path: profileOrigin.path } : { from: 'built-in default' },
    configFiles: found.files,
    cgroups: cgroup,
    limits: {
      mechanism: limits.mechanism,
      ...(limits.base !== undefined ? { cgroup: limits.base } : { why: limits.reason }),
      requested: config.limits.mechanism,
      defaultPidsLimit: config.limits.pids,
      defaultFileSize: config.limits.fileSize,
    },
    store: dataDir(),
    runtimeDir: runtimeDir(),
    launcher: launcherPath(),
  };
  if (opts.format === 'json') {
    process.stdout.write(JSON.stringify(data, null, 2) + '\n');
    return 0;
  }
  const lines = [
    `Version:         ${data.version}`,
    `Kernel:          ${data.kernel}`,
    `Storage driver:  ${data.storageDriver} (asked: ${data.storageDriverRequested})`,
    `ID mapping:      ${data.idMapping.mode === 'single id' ? `single id (${id.uid} -> 0)` : `0 -> ${id.uid}, 1.. -> ${id.subuid.map((r) => `${r.start}+${r.count}`).join(', ')}`}`,
    `Network:         ${data.network}`,
    `Seccomp profile: ${data.seccompProfile} (${profileOrigin ? `${profileOrigin.layer} config ${profileOrigin.path}` : 'built-in default'}; a run flag takes precedence)`,
    `Config files:    ${found.files.length ? found.files.map((f) => `${f.path} (${f.layer})`).join(', ') : 'none, built-in defaults'}`,
    `Cgroups:         ${data.cgroups}`,
    `Limits:          ${limits.mechanism}${limits.base !== undefined ? ` (${limits.base})` : ` (${limits.reason})`}; defaults: ${config.limits.pids} processes, files up to ${bytesSize(config.limits.fileSize)}`,
    `Store:           ${data.store}`,
    `Runtime dir:     ${data.runtimeDir}`,
    `Launcher:        ${data.launcher}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}
