// `nook run` (and `create`) in four steps: gatherFacts (config, image, user, env, profile,
// network: every read), planRun (the pure planner's input and plan), recordContainer (the
// container's directory and config.json), then the launch (exec in place, or detached).
import { existsSync, mkdirSync, readFileSync, realpathSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RunFlags } from '../commands/run.js';
import { fail } from '../../errors.js';
import { launcherPath } from '../../paths.js';
import { loadConfig } from '../../config/load.js';
import { addedCapabilities, commandLine, containerCapabilities, parseRestartPolicy, planLaunch, type PlanInput, type ImageConfig, type RootfsSpec } from '../../core/plan.js';
import type { ContainerConfig, MountRecord } from '../../containers/record.js';
import { attachSocketPath, containerFiles, containerLockPath } from '../../containers/layout.js';
import { withLock } from '../../storage/lock.js';
import { writeFileAtomic, writeJsonAtomic } from '../../storage/atomic.js';
import { networkForRun, writeNetworkFiles } from '../../network/run-network.js';
import { startContainer } from '../../containers/start.js';
import { compileProfile } from '../../security/seccomp/compile.js';
import { resolveProfile, type ResolvedProfile } from '../../security/seccomp/locate.js';
import { capDropUnder } from '../../security/seccomp/profile.js';
import { execve, memfdWith, terminalFds } from '../../launcher/exec.js';
import type { Capability } from '../../security/capabilities.js';
import { parseEnvEntry, parseEnvFile } from '../../core/env.js';
import { parseMount, parseTmpfs, parseVolume, type BindSpec, type TmpfsSpec } from '../../core/mountspec.js';
import { resolveUser } from '../../core/users.js';
import { parseUlimit } from '../../core/ulimits.js';
import { readTextInLayers, readTextInRoot, resolveInRoot } from '../../rootfs/read-in-root.js';
import { chooseDriver, fuseOverlayfsPath } from '../../rootfs/driver.js';
import { currentIdentity, lastCapability } from '../../launcher/identity.js';
import { encodeDirectives, formatDirectives, type Directive } from '../../core/directives.js';
import { terminalSafe } from '../../util/terminal-text.js';
import { generateName, newContainerId, reserveName, validateName } from '../../containers/names.js';
import { keyValueRecord, splitKeyValue } from '../../util/key-value.js';
import { DETACHED_SECCOMP_FD } from '../../launcher/fd-layout.js';

interface ImageChoice {
  /** the copy driver: layers (bottom first) to copy into rootfs.path before the start */
  copyFrom?: string[] | undefined;
  /** a host directory showing the image's content at a path, to seed a new volume from */
  seedDir: (path: string) => string | undefined;
  rootfs: RootfsSpec;
  config: ImageConfig & { StopSignal?: string };
  name: string;
  /** reads a file of the image's root, before anything is mounted */
  readFile: (path: string) => string | undefined;
}

/** The built-in image: this machine's root, read-only, with private scratch space. */
const HOST_IMAGE: ImageConfig = { Cmd: ['sh'], Env: [] };

async function chooseImage(image: string | undefined, flags: RunFlags, files: ReturnType<typeof containerFiles>, storageDriver: string): Promise<ImageChoice> {
  if (flags.rootfs !== undefined) {
    let path: string;
    try {
      path = realpathSync(flags.rootfs);
    } catch {
      fail(`rootfs ${flags.rootfs} does not exist`, 'give a directory holding an unpacked root file system');
    }
    if (!statSync(path).isDirectory()) fail(`rootfs ${flags.rootfs} is not a directory`);
    return { rootfs: { kind: 'dir', path }, config: {}, name: path, readFile: (p) => readTextInRoot(path, p), seedDir: (p) => resolveInRoot(path, p) };
  }
  if (image === undefined) fail('"nook run" requires at least 1 argument', 'nook run [OPTIONS] IMAGE [COMMAND] [ARG...]');
  if (image === 'host') return { rootfs: { kind: 'host' }, config: HOST_IMAGE, name: 'host', readFile: (p) => readTextInRoot('/', p), seedDir: () => undefined };
  const pull = flags.pull ?? 'missing';
  if (pull !== 'missing' && pull !== 'always' && pull !== 'never') fail(`invalid --pull "${pull}"`, 'use missing, always or never');
  // the image store (and node:crypto for its digests) loads only for images that need it
  const { resolveImageForRun } = await import('../../image/resolve.js');
  const resolved = await resolveImageForRun(image, { pull, quiet: false, ...(flags.platform ? { platform: flags.platform } : {}) });
  const lowers = resolved.layerDirs.map((d) => realpathSync(d)).reverse();
  const c = resolved.config.config ?? {};
  const layers = { lowers, upper: files.upper, work: files.work };
  const driver = chooseDriver(flags.storageDriver ?? storageDriver);
  const rootfs: RootfsSpec = driver === 'overlay' ? { kind: 'overlay', ...layers }
    : driver === 'fuse-overlayfs' ? { kind: 'fuse-overlay', program: fuseOverlayfsPath()!, ...layers }
    : { kind: 'dir', path: join(files.dir, 'rootfs') };
  return {
    rootfs,
    copyFrom: driver === 'copy' ? resolved.layerDirs.map((d) => realpathSync(d)) : undefined,
    config: { Env: c.Env ?? [], Cmd: c.Cmd ?? [], Entrypoint: c.Entrypoint ?? [], WorkingDir: c.WorkingDir ?? '', User: c.User ?? '', ExposedPorts: c.ExposedPorts ?? {}, ...(c.StopSignal ? { StopSignal: c.StopSignal } : {}) },
    name: resolved.ref,
    readFile: (p) => readTextInLayers(lowers, p),
    // the topmost layer holding the directory (a merged view would need the overlay mounted)
    seedDir: (p) => lowers.map((l) => resolveInRoot(l, p)).find((d) => statSync(d, { throwIfNoEntry: false })?.isDirectory()),
  };
}

function bindSource(spec: BindSpec): BindSpec {
  try {
    // Canonical, so the launcher's /oldroot prefix resolves it without following links.
    return { ...spec, source: realpathSync(spec.source) };
  } catch {
    fail(`bind source path does not exist: ${spec.source}`, 'create it first');
  }
}

interface Mounts { binds: BindSpec[]; tmpfs: TmpfsSpec[]; records: MountRecord[] }

/**
 * -v, --mount and --volumes-from as binds: volumes are directories of the store, created on
 * first use and seeded from the image's content at the mount point (Docker's behaviour).
 * Parents are mounted before children. With `create` false (--dry-run) nothing is made.
 */
async function mountsFor(flags: RunFlags, chosen: ImageChoice, create: boolean): Promise<Mounts> {
  const specs = [...(flags.volume ?? []).map(parseVolume), ...(flags.mount ?? []).map(parseMount)];
  const out: Mounts = { binds: [], tmpfs: [], records: [] };
  for (const spec of specs) {
    if ('options' in spec) {
      out.tmpfs.push(spec);
    } else if ('source' in spec) {
      const b = bindSource(spec);
      out.binds.push(b);
      out.records.push({ type: 'bind', source: b.source, destination: b.target, readOnly: b.readonly });
    } else {
      const { resolveVolumeMount, volumesDir } = await import('../../containers/volumes.js');
      const v = create
        ? await resolveVolumeMount(spec.volume, chosen.seedDir(spec.target))
        : { source: join(volumesDir(), spec.volume ?? '<anonymous>', '_data'), name: spec.volume ?? '', anonymous: spec.volume === undefined };
      out.binds.push({ source: v.source, target: spec.target, readonly: spec.readonly });
      out.records.push({ type: 'volume', name: v.name, source: v.source, destination: spec.target, readOnly: spec.readonly, anonymous: v.anonymous });
    }
  }
  for (const from of flags.volumesFrom ?? []) {
    const [ref, mode] = from.split(':');
    if (mode !== undefined && mode !== 'ro' && mode !== 'rw') fail(`invalid --volumes-from "${from}"`, 'use CONTAINER[:ro|rw]');
    const { resolveContainer } = await import('../../containers/state.js');
    for (const m of resolveContainer(ref!).config.mounts ?? []) {
      if (m.type === 'tmpfs') continue;
      const readonly = mode === 'ro' || (mode === undefined && (m.readOnly ?? false));
      out.binds.push({ source: m.source, target: m.destination, readonly });
      out.records.push({ ...m, readOnly: readonly });
    }
  }
  const depth = (p: string) => p.split('/').length;
  out.binds.sort((a, b) => depth(a.target) - depth(b.target));
  return out;
}

function securityOptions(opts: string[]): { noNewPrivileges: boolean; mask: string[]; unmask: string[]; seccomp?: string } {
  const out: { noNewPrivileges: boolean; mask: string[]; unmask: string[]; seccomp?: string } = { noNewPrivileges: true, mask: [], unmask: [] };
  for (const opt of opts) {
    const [key, given] = splitKeyValue(opt);
    const value = given ?? 'true';
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

/** The compiled profile (its notes printed); undefined without one or for one that filters nothing. */
async function seccompProgram(profile: ResolvedProfile | undefined, capabilities: Capability[]): Promise<Buffer | undefined> {
  if (!profile) return undefined;
  const compiled = await compileProfile({ profile, capabilities });
  for (const n of compiled.notes) writeSync(2, `nook: notice: ${n}\n`);
  return compiled.bpf ?? undefined;
}

/** What `run` found out before deciding anything: config, image, user, env, profile, network. */
interface RunFacts {
  flags: RunFlags;
  command: string[];
  config: Awaited<ReturnType<typeof loadConfig>>;
  id: string;
  files: ReturnType<typeof containerFiles>;
  chosen: ImageChoice;
  name: string;
  hostname: string;
  userSpec: string;
  user: ReturnType<typeof resolveUser>;
  env: PlanInput['env'];
  security: Omit<ReturnType<typeof securityOptions>, 'seccomp'>;
  profile: ResolvedProfile | undefined;
  capAdd: string[];
  capDrop: string[];
  privileged: boolean;
  capabilities: Capability[];
  bpf: Buffer | undefined;
  rlimits: PlanInput['rlimits'];
  detached: boolean;
  restart: ReturnType<typeof parseRestartPolicy>;
  mounts: Mounts;
  identity: ReturnType<typeof currentIdentity>;
  net: Awaited<ReturnType<typeof networkForRun>>;
}

/** `nook run` and `create`: gather the facts, plan, record, launch. */
export async function run(image: string | undefined, command: string[], flags: RunFlags): Promise<number> {
  const facts = await gatherFacts(image, command, flags);
  const { input, plan } = planRun(facts);
  if (flags.dryRun) {
    // the plan quotes the image's env, command and labels
    process.stdout.write(terminalSafe(formatDirectives(plan.directives)));
    return 0;
  }
  for (const n of [...facts.net.notices, ...plan.notices]) writeSync(2, `nook: notice: ${n}\n`);
  const launcher = launcherPath();
  if (!existsSync(launcher)) fail(`the launcher ${launcher} is missing`, 'reinstall nook with ./install.sh');
  const record = await recordContainer(facts, input, plan.directives);
  if (flags.createOnly) {
    process.stdout.write(facts.id + '\n');
    return 0;
  }
  if (facts.detached) {
    await startContainer(record, facts.bpf);
    process.stdout.write(facts.id + '\n');
    return 0;
  }
  const fd = memfdWith('nook-directives', encodeDirectives(plan.directives));
  return execve(launcher, ['nook-run', '--args', String(fd)]);
}

async function gatherFacts(image: string | undefined, command: string[], flags: RunFlags): Promise<RunFacts> {
  // With --rootfs there is no image: every positional word is the command.
  if (flags.rootfs !== undefined && image !== undefined) command = [image, ...command];
  if (flags.net && !flags.network) flags = { ...flags, network: flags.net };
  const config = await loadConfig();
  const id = newContainerId();
  const files = containerFiles(id);
  const chosen = await chooseImage(image, flags, files, config.storageDriver);
  const name = flags.name !== undefined ? validateName(flags.name) : generateName();
  const hostname = flags.hostname ?? id.slice(0, 12);
  if (!/^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,62})$/.test(hostname)) fail(`invalid hostname "${hostname}"`);

  const userSpec = flags.user ?? (chosen.config.User || '0');
  const user = resolveUser(userSpec, chosen.readFile('/etc/passwd') ?? '', chosen.readFile('/etc/group') ?? '');
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
  const profileRef = flags.privileged ? 'unconfined' : (seccomp ?? config.profile);
  // Read once, here: the container keeps this text (a relative path means this directory).
  const profile = profileRef === 'unconfined' ? undefined : resolveProfile(profileRef);
  // A profile may carry its capability policy (`strict`: every one dropped), whatever its
  // name or path; --cap-add still adds back what is asked for.
  const capDrop = capDropUnder(profile, flags.capDrop ?? []);
  const capAdd = flags.capAdd ?? [];
  const privileged = flags.privileged ?? false;
  const rlimits = [
    ...Object.entries(config.ulimits ?? {}).map(([k, v]) => parseUlimit(`${k}=${v}`)),
    ...(flags.ulimit ?? []).map(parseUlimit),
  ];

  const detached = flags.detach ?? false;
  const restart = parseRestartPolicy(flags.restart ?? 'no');
  if (restart.name !== 'no' && !detached) fail('--restart needs a detached container', 'add -d');
  if (restart.name !== 'no' && flags.rm) fail('conflicting options: --restart and --rm');
  const capabilities = containerCapabilities({ privileged, capAdd, capDrop });
  const bpf = await seccompProgram(profile, capabilities);
  const mounts = await mountsFor(flags, chosen, !flags.dryRun);
  const identity = currentIdentity();
  const net = await networkForRun(flags, config, chosen.config, files.dir, hostname, name, identity);
  if (net.join) await joinNetwork(net, net.join);
  return {
    flags, command, config, id, files, chosen, name, hostname, userSpec, user,
    env: { files: envFiles, flags: envFlags }, security, profile, capAdd, capDrop, privileged,
    capabilities, bpf, rlimits, detached, restart, mounts, identity, net,
  };
}

/**
 * `--network container:NAME`: shares a running container's network (and so its user)
 * namespace; its /etc/hosts and resolv.conf come along, as in Docker.
 */
async function joinNetwork(net: RunFacts['net'], shared: NonNullable<RunFacts['net']['join']>): Promise<void> {
  const { entryProcess, resolveContainer } = await import('../../containers/state.js');
  const target = resolveContainer(shared.container);
  const entry = target.state.status === 'running' ? entryProcess(target) : undefined;
  if (!entry) fail(`cannot join the network of container ${shared.container}: it is not running`);
  net.directives.push(['join-net', String(entry.pid), String(entry.startTicks)]);
  for (const f of shared.sharedFiles) {
    const source = join(target.dir, f.name);
    if (existsSync(source)) net.bindFiles.push({ source, target: f.target });
  }
}

/** The planner's input from the facts, and its plan: the directives and the notices. */
function planRun(f: RunFacts): { input: PlanInput; plan: ReturnType<typeof planLaunch> } {
  const { flags, files, id } = f;
  const input: PlanInput = {
    id,
    hostname: f.hostname,
    rootfs: f.chosen.rootfs,
    image: f.chosen.config,
    command: f.command,
    entrypoint: flags.entrypoint,
    user: f.user,
    identity: f.identity,
    env: f.env,
    workdir: flags.workdir,
    readOnly: flags.readOnly ?? false,
    // before the user's binds, so -v FILE:/etc/hosts still wins
    binds: [...f.net.bindFiles.map((b) => ({ ...b, readonly: false })), ...f.mounts.binds],
    tmpfs: [...(flags.tmpfs ?? []).map(parseTmpfs), ...f.mounts.tmpfs],
    network: f.net.directives,
    tty: flags.tty ?? false,
    interactive: flags.interactive ?? false,
    terminalFds: terminalFds(),
    init: flags.init ?? false,
    capAdd: f.capAdd,
    capDrop: f.capDrop,
    privileged: f.privileged,
    ...f.security,
    rlimits: f.rlimits,
    // The name link is not listed: after a rename it may belong to another container; a link
    // whose container is gone is stale and reserveName() takes it over.
    removeOnExit: flags.rm ? [files.dir] : [],
    lastCap: lastCapability(),
    stateFile: files.state,
    supervisor: f.detached || flags.createOnly
      ? {
          attachSocket: attachSocketPath(id),
          logFile: files.log,
          logMaxBytes: f.config.logs.maxSize,
          logMaxFiles: f.config.logs.maxFiles,
          stopMarker: files.stopMarker,
          restart: f.restart,
        }
      : undefined,
  };
  // Detached, the program reaches the launcher as DETACHED_SECCOMP_FD; in the foreground, a
  // memfd the launcher inherits.
  input.seccompFd = f.bpf === undefined ? undefined : f.detached || flags.createOnly ? DETACHED_SECCOMP_FD : memfdWith('nook-seccomp', f.bpf);
  return { input, plan: planLaunch(input) };
}

/** Writes the container's directory and record; returns the record. */
async function recordContainer(f: RunFacts, input: PlanInput, directives: Directive[]): Promise<ContainerConfig> {
  const { flags, files, id, chosen } = f;
  // Held until the record is written: a dir without one is then a killed run's, for the next
  // command to remove (containers/abandoned.ts).
  return withLock(containerLockPath(id), async () => {
    mkdirSync(files.dir, { recursive: true, mode: 0o700 });
    writeNetworkFiles(files.dir, f.net);
    if (f.bpf !== undefined) writeFileAtomic(files.seccompProfile, f.profile!.text);
    if (chosen.rootfs.kind === 'overlay' || chosen.rootfs.kind === 'fuse-overlay') {
      mkdirSync(chosen.rootfs.upper, { mode: 0o755 });
      mkdirSync(chosen.rootfs.work, { mode: 0o700 });
    } else if (chosen.copyFrom && chosen.rootfs.kind === 'dir') {
      mkdirSync(chosen.rootfs.path, { mode: 0o755 });
      const { flattenInNamespace } = await import('../../nsworker/run-worker.js');
      await flattenInNamespace(chosen.rootfs.path, chosen.copyFrom);
    }
    await reserveName(f.name, id);
    const created: ContainerConfig = {
      id,
      name: f.name,
      image: chosen.name,
      created: new Date().toISOString(),
      command: commandLine(input),
      autoRemove: flags.rm ?? false,
      detached: f.detached,
      tty: input.tty,
      interactive: input.interactive,
      hostname: f.hostname,
      env: directives.filter((d) => d[0] === 'env').map((d) => d[1]!),
      workingDir: directives.find((d) => d[0] === 'chdir')![1]!,
      user: f.userSpec,
      labels: keyValueRecord(flags.label ?? [], 'label'),
      restartPolicy: f.restart,
      stopSignal: flags.stopSignal ?? chosen.config.StopSignal ?? 'SIGTERM',
      networkMode: flags.network ?? f.config.network,
      readOnly: input.readOnly,
      mounts: [
        ...f.mounts.records,
        ...input.tmpfs.map((t) => ({ type: 'tmpfs' as const, source: '', destination: t.target, readOnly: false })),
      ],
      ports: f.net.ports,
      plan: directives.filter((d) => d[0] !== 'seccomp-fd'),
      seccomp: f.bpf === undefined ? null : { profile: f.profile!.ref, file: f.profile!.file, capabilities: f.capabilities },
      addedCapabilities: addedCapabilities(input),
    };
    writeJsonAtomic(files.config, created);
    return created;
  });
}
