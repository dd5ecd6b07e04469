// `nook run`: gathers the facts (config, image, ids, files), lets the pure planner decide,
// records the container, then becomes the launcher.
import { existsSync, mkdirSync, readFileSync, realpathSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RunFlags } from '../commands/run.js';
import { fail } from '../../errors.js';
import { dataDir, launcherPath } from '../../paths.js';
import { loadConfig } from '../../config/load.js';
import { containerCapabilities, planLaunch, type ImageConfig, type RootfsSpec } from '../../core/plan.js';
import type { Capability } from '../../security/capabilities.js';
import { parseEnvEntry, parseEnvFile } from '../../core/env.js';
import { parseTmpfs, parseVolume, type BindSpec } from '../../core/mountspec.js';
import { resolveUser } from '../../core/users.js';
import { parseUlimit } from '../../core/ulimits.js';
import { readTextInRoot } from '../../rootfs/read-in-root.js';
import { currentIdentity, lastCapability } from '../../launcher/identity.js';
import { encodeDirectives, formatDirectives } from '../../launcher/directives.js';
import { generateName, newContainerId, reserveName, validateName } from '../../containers/names.js';
import { writeJsonAtomic } from '../../storage/atomic.js';

interface ImageChoice { rootfs: RootfsSpec; root: string; config: ImageConfig; name: string }

/** The built-in image: this machine's root, read-only, with private scratch space. */
const HOST_IMAGE: ImageConfig = { Cmd: ['sh'], Env: [] };

function chooseImage(image: string | undefined, flags: RunFlags): ImageChoice {
  if (flags.rootfs !== undefined) {
    let path: string;
    try {
      path = realpathSync(flags.rootfs);
    } catch {
      fail(`rootfs ${flags.rootfs} does not exist`, 'give a directory holding an unpacked root file system');
    }
    if (!statSync(path).isDirectory()) fail(`rootfs ${flags.rootfs} is not a directory`);
    return { rootfs: { kind: 'dir', path }, root: path, config: {}, name: path };
  }
  if (image === undefined) fail('"nook run" requires at least 1 argument', 'nook run [OPTIONS] IMAGE [COMMAND] [ARG...]');
  if (image === 'host') return { rootfs: { kind: 'host' }, root: '/', config: HOST_IMAGE, name: 'host' };
  fail(`image "${image}" not found`, 'pulling images is not available yet: use the built-in `host` image or --rootfs DIR');
}

function bindSource(spec: BindSpec): BindSpec {
  try {
    // Canonical, so the launcher's /oldroot prefix resolves it without following links.
    return { ...spec, source: realpathSync(spec.source) };
  } catch {
    fail(`bind source path does not exist: ${spec.source}`, 'create it first');
  }
}

function securityOptions(opts: string[]): { noNewPrivileges: boolean; mask: string[]; unmask: string[]; seccomp?: string } {
  const out: { noNewPrivileges: boolean; mask: string[]; unmask: string[]; seccomp?: string } = { noNewPrivileges: true, mask: [], unmask: [] };
  for (const opt of opts) {
    const [key, value] = opt.includes('=') ? [opt.slice(0, opt.indexOf('=')), opt.slice(opt.indexOf('=') + 1)] : [opt, 'true'];
    if (key === 'no-new-privileges') {
      if (value !== 'true' && value !== 'false') fail(`invalid --security-opt "${opt}"`, 'use no-new-privileges=true or =false');
      out.noNewPrivileges = value === 'true';
    } else if (key === 'seccomp') {
      if (!value) fail(`invalid --security-opt "${opt}"`, 'use seccomp=NAME, seccomp=FILE or seccomp=unconfined');
      out.seccomp = value;
    } else if (key === 'mask' || key === 'unmask') {
      for (const p of value.split(':')) {
        if (!(p === 'ALL' && key === 'unmask') && !p.startsWith('/')) fail(`invalid --security-opt "${opt}": paths must be absolute`);
        out[key].push(p);
      }
    } else {
      fail(`invalid --security-opt "${opt}"`, 'supported: seccomp=NAME|FILE|unconfined, no-new-privileges=BOOL, mask=PATH[:PATH], unmask=PATH[:PATH]|ALL');
    }
  }
  return out;
}

/** The compiled profile in a memfd the launcher inherits; undefined for `unconfined`. */
async function seccompProgram(profile: string, capabilities: Capability[]): Promise<number | undefined> {
  if (profile === 'unconfined') return undefined;
  const { compileProfile } = await import('../../security/seccomp/compile.js');
  const compiled = await compileProfile({ profile, capabilities });
  for (const n of compiled.notes) writeSync(2, `nook: notice: ${n}\n`);
  if (!compiled.bpf) return undefined;
  const { memfdWith } = await import('../../launcher/exec.js');
  return memfdWith('nook-seccomp', compiled.bpf);
}

export async function run(image: string | undefined, command: string[], flags: RunFlags): Promise<number> {
  // With --rootfs there is no image: every positional word is the command.
  if (flags.rootfs !== undefined && image !== undefined) command = [image, ...command];
  const config = await loadConfig();
  const network = flags.network ?? config.network;
  if (network !== 'none' && network !== 'host') {
    fail(`network mode "${network}" is not available yet`, 'use --network none or --network host');
  }
  const chosen = chooseImage(image, flags);
  const id = newContainerId();
  const name = flags.name !== undefined ? validateName(flags.name) : generateName();
  const hostname = flags.hostname ?? id.slice(0, 12);
  if (!/^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,62})$/.test(hostname)) fail(`invalid hostname "${hostname}"`);

  const userSpec = flags.user ?? (chosen.config.User || '0');
  const user = resolveUser(userSpec, readTextInRoot(chosen.root, '/etc/passwd') ?? '', readTextInRoot(chosen.root, '/etc/group') ?? '');
  const hostEnv = process.env;
  const envFiles = (flags.envFile ?? []).flatMap((f) => {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      fail(`cannot read env file ${f}`);
    }
    return parseEnvFile(text, f, hostEnv);
  });
  const envFlags = (flags.env ?? []).map((e) => parseEnvEntry(e, hostEnv)).filter((e): e is string => e !== undefined);
  const { seccomp, ...security } = securityOptions(flags.securityOpt ?? []);
  const profile = flags.privileged ? 'unconfined' : (seccomp ?? config.profile);
  // `strict` is for untrusted code: it comes with every capability dropped (the JSON format
  // cannot say so itself); --cap-add still adds back what is asked for.
  const capDrop = profile === 'strict' ? ['ALL', ...(flags.capDrop ?? [])] : (flags.capDrop ?? []);
  const capAdd = flags.capAdd ?? [];
  const privileged = flags.privileged ?? false;
  const rlimits = [
    ...Object.entries(config.ulimits ?? {}).map(([k, v]) => parseUlimit(`${k}=${v}`)),
    ...(flags.ulimit ?? []).map(parseUlimit),
  ];

  const containerDir = join(dataDir(), 'containers', id);
  const namesDir = join(dataDir(), 'names');
  const plan = planLaunch({
    id,
    hostname,
    rootfs: chosen.rootfs,
    image: chosen.config,
    command,
    entrypoint: flags.entrypoint,
    user,
    identity: currentIdentity(),
    env: { files: envFiles, flags: envFlags },
    workdir: flags.workdir,
    readOnly: flags.readOnly ?? false,
    binds: (flags.volume ?? []).map(parseVolume).map(bindSource),
    tmpfs: (flags.tmpfs ?? []).map(parseTmpfs),
    network,
    tty: flags.tty ?? false,
    interactive: flags.interactive ?? false,
    init: flags.init ?? false,
    capAdd,
    capDrop,
    privileged,
    ...security,
    seccompFd: await seccompProgram(profile, containerCapabilities({ privileged, capAdd, capDrop })),
    rlimits,
    removeOnExit: flags.rm ? [containerDir, join(namesDir, name)] : [],
    lastCap: lastCapability(),
  });

  if (flags.dryRun) {
    process.stdout.write(formatDirectives(plan.directives));
    return 0;
  }
  for (const n of plan.notices) writeSync(2, `nook: notice: ${n}\n`);
  const launcher = launcherPath();
  if (!existsSync(launcher)) fail(`the launcher ${launcher} is missing`, 'reinstall nook with ./install.sh');

  mkdirSync(containerDir, { recursive: true, mode: 0o700 });
  reserveName(namesDir, name, id);
  writeJsonAtomic(join(containerDir, 'config.json'), {
    id,
    name,
    image: chosen.name,
    created: new Date().toISOString(),
    command: plan.directives.at(-1)!.slice(1),
    autoRemove: flags.rm ?? false,
  });

  const { memfdWith, execve } = await import('../../launcher/exec.js');
  const fd = memfdWith('nook-directives', encodeDirectives(plan.directives));
  return execve(launcher, ['nook-run', '--args', String(fd)]);
}
