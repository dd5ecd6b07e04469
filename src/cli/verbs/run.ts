// `nook run` and `nook create` in four steps: gatherFacts (config, image, user, env, profile,
// network: every read), planRun (the pure planner's input and plan), recordContainer (the
// container's directory and config.json), then the launch (exec in place, or detached).
import { existsSync, mkdirSync, readFileSync, realpathSync, statSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RunFlags } from '../flags/run.js';
import { fail } from '../../errors.js';
import { launcherPath } from '../../paths.js';
import { loadConfig } from '../../config/load.js';
import { containerCapabilities, parseRestartPolicy, planLaunch, type LaunchPlan, type PlanInput, type ImageConfig, type RootfsSpec } from '../../core/plan.js';
import type { ContainerConfig, MountRecord } from '../../containers/record.js';
import { attachSocketPath, containerFiles, containerLockPath } from '../../containers/layout.js';
import { withLock } from '../../storage/lock.js';
import { writeFileAtomic, writeJsonAtomic } from '../../storage/atomic.js';
import { networkForRun, writeNetworkFiles, type JoinTarget, type NetworkRequest } from '../../network/run-network.js';
import { startContainer } from '../../containers/start.js';
import { compileProfile } from '../../security/seccomp/compile.js';
import { resolveProfile, type ResolvedProfile } from '../../security/seccomp/locate.js';
import { capDropUnder } from '../../security/seccomp/profile.js';
import { execve, memfdWith, seccompFdFor, terminalFds } from '../../launcher/exec.js';
import type { Capability } from '../../security/capabilities.js';
import { parseEnvEntry, parseEnvFile } from '../../core/env.js';
import { parseMount, parseTmpfs, parseVolume, type BindSpec, type TmpfsSpec } from '../../core/mountspec.js';
import { resolveUser } from '../../core/users.js';
import { parseUlimit } from '../../core/ulimits.js';
import { parseCpuShares, parseCpus, parseMemory, parseMemorySwap, parsePidsLimit, parseStopTimeout, planLimits, type LimitsPlan, type ResourceLimits } from '../../core/limits.js';
import { containerCgroup } from '../../core/cgroup-v2.js';
import { allowedCpus, hostMechanism, prepareCgroup, type HostMechanism } from '../../launcher/limits.js';
import { readTextInLayers, readTextInRoot, resolveInRoot } from '../../rootfs/read-in-root.js';
import { chooseDriver, fuseOverlayfsPath } from '../../rootfs/driver.js';
import { currentIdentity, lastCapability } from '../../launcher/identity.js';
import { encodeDirectives, formatDirectives } from '../../core/directives.js';
import { terminalSafe } from '../../util/terminal-text.js';
import { generateName, newContainerId, reserveName, validateName } from '../../containers/names.js';
import { keyValueRecord, splitKeyValue } from '../../util/key-value.js';
import { judgeResources, parseLimits, type JudgeLimits } from '../../core/judge-plan.js';
import { BOX_DIR, type ServeRun } from '../../core/serve-protocol.js';
import type { StartedBox } from '../../containers/judged-run.js';

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
  const pull = flags.pull;
  if (pull !== 'missing' && pull !== 'always' && pull !== 'never') fail(`invalid --pull "${pull}"`, 'use missing, always or never');
  // the image store (and node:crypto for its digests) loads only for images that need it
  const { resolveImageForRun } = await import('../../image/resolve.js');
  const resolved = await resolveImageForRun(image, { pull, quiet: false, ...(flags.platform ? { platform: flags.platform } : {}) });
  const lowers = resolved.layerDirs.map((d) => realpathSync(d)).reverse();
  const c = resolved.config.config ?? {};
  const layers = { lowers, upper: files.upper, work: files.work };
  const driver = chooseDriver(flags.storageDriver ?? storageDriver);
  const rootfs: RootfsSpec = driver === 'overlay' ? { kind: 'overlay', ...layers }
    : driver === 'fuse-overlayfs' ? { kind: 'fuse-overlayfs', program: fuseOverlayfsPath()!, ...layers }
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

/**
 * What the run ends in: the launcher in place of nook, a detached one, only the record, or
 * judge mode's launcher, spawned and waited for (someone must write the result record).
 */
type LaunchMode = 'foreground' | 'detached' | 'create' | 'judged';

/** What `run` found out before deciding anything: config, image, user, env, profile, network. */
interface RunFacts {
  flags: RunFlags;
  mode: LaunchMode;
  command: string[];
  config: Awaited<ReturnType<typeof loadConfig>>;
  id: string;
  chosen: ImageChoice;
  name: string;
  hostname: string;
  /** -u as given, else the image's user: what the record shows */
  userSpec: string;
  user: ReturnType<typeof resolveUser>;
  env: PlanInput['env'];
  security: Omit<ReturnType<typeof securityOptions>, 'seccomp'>;
  profile: ResolvedProfile | undefined;
  /** the container's set (containerCapabilities), computed once: the plan's bounding set and
   * what the profile is compiled for, kept to compile it again at each start */
  capabilities: Capability[];
  bpf: Buffer | undefined;
  ulimits: { flags: ReturnType<typeof parseUlimit>[]; config: ReturnType<typeof parseUlimit>[] };
  limits: ResourceLimits;
  stopTimeout: number | undefined;
  mechanism: HostMechanism;
  allowedCpus: number[];
  restart: ReturnType<typeof parseRestartPolicy>;
  mounts: Mounts;
  identity: ReturnType<typeof currentIdentity>;
  net: Awaited<ReturnType<typeof networkForRun>>;
  /** judge mode: its limits (none given: measured only) */
  judge: JudgeLimits | undefined;
}

/**
 * Judge mode (--limits or --result): its limits, and the flags that mean something else with
 * it refused. Its defaults (no network, the strict profile) are applied where those are chosen.
 */
function judgeMode(flags: RunFlags, mode: LaunchMode): JudgeLimits | undefined {
  if (flags.limits === undefined && flags.result === undefined) {
    if (flags.stdin ?? flags.stdout ?? flags.stderr) fail('--stdin, --stdout and --stderr are judge mode\'s', 'add --limits or --result');
    return undefined;
  }
  const refused = [[flags.tty, '-t'], [flags.detach, '-d'], [mode === 'create', 'create']] as const;
  for (const [given, name] of refused) if (given) fail(`judge mode (--limits, --result) does not take ${name}`);
  return parseLimits(flags.limits ?? '');
}

/** `nook run`: gather the facts, plan, record, launch. */
export async function run(image: string | undefined, command: string[], flags: RunFlags): Promise<number> {
  const judged = flags.limits !== undefined || flags.result !== undefined;
  return runContainer(image, command, flags, judged ? 'judged' : flags.detach ? 'detached' : 'foreground');
}

/** `nook create`: as run, up to the record. */
export async function create(image: string | undefined, command: string[], flags: RunFlags): Promise<number> {
  return runContainer(image, command, flags, 'create');
}

async function runContainer(image: string | undefined, command: string[], flags: RunFlags, mode: LaunchMode): Promise<number> {
  const facts = await gatherFacts(image, command, flags, mode);
  const { input, plan, limits } = planRun(facts);
  if (flags.dryRun) {
    // the plan quotes the image's env, command and labels
    process.stdout.write(terminalSafe(formatDirectives(plan.directives)));
    return 0;
  }
  for (const n of [...facts.net.notices, ...plan.notices]) writeSync(2, `nook: notice: ${n}\n`);
  const launcher = installedLauncher();
  const record = await recordContainer(facts, input, plan, limits);
  if (mode === 'create') {
    process.stdout.write(facts.id + '\n');
    return 0;
  }
  if (mode === 'detached') {
    await startContainer(record, facts.bpf);
    process.stdout.write(facts.id + '\n');
    return 0;
  }
  if (record.limits?.cgroup) prepareCgroup(record.limits.cgroup.base, record.id, record.limits.cgroup.writes);
  if (mode === 'judged') {
    const { runJudged } = await import('../../containers/judged-run.js');
    const seccomp = facts.bpf === undefined ? undefined : memfdWith('nook-seccomp', facts.bpf);
    const result = flags.result === undefined ? undefined : resolve(flags.result);
    return runJudged(launcher, plan.directives, seccomp, { judge: facts.judge!, applied: limits.applied }, { stdin: flags.stdin, stdout: flags.stdout, stderr: flags.stderr, result });
  }
  const fd = memfdWith('nook-directives', encodeDirectives(plan.directives));
  return execve(launcher, ['nook-run', '--args', String(fd)]);
}

function installedLauncher(): string {
  const launcher = launcherPath();
  if (!existsSync(launcher)) fail(`the launcher ${launcher} is missing`, 'reinstall nook with ./install.sh');
  return launcher;
}

/** What `nook serve` keeps between runs: the config as loaded, each seccomp program compiled. */
export interface KeptBetweenRuns {
  config?: ReturnType<typeof loadConfig>;
  programs: Map<string, Promise<Buffer | undefined>>;
  /** notices already printed: each once per server, not once per box */
  notices: Set<string>;
}

/**
 * One box of `nook serve`: judge mode as `run --rm --limits` runs it, the image never pulled
 * (a pull would write its progress into the protocol), `scratch` (holding the request's files)
 * bind-mounted at /box, stdin and the outputs on pipes. Throws a NookError for a request that
 * cannot be run (unknown image, bad limits); `ended` carries the record.
 */
export async function startServedBox(req: ServeRun, scratch: string | undefined, kept: KeptBetweenRuns): Promise<StartedBox> {
  const flags: RunFlags = {
    rm: true, pull: 'never', limits: req.limitsSpec, env: req.env, ...(req.stdin !== undefined ? { interactive: true } : {}),
    workdir: req.workdir ?? (scratch !== undefined ? BOX_DIR : undefined),
    volume: scratch !== undefined ? [`${scratch}:${BOX_DIR}`] : [],
  };
  const facts = await gatherFacts(req.image, req.cmd, flags, 'judged', kept);
  const { input, plan, limits } = planRun(facts);
  for (const n of [...facts.net.notices, ...plan.notices]) {
    if (!kept.notices.has(n)) writeSync(2, `nook: notice: ${n}\n`);
    kept.notices.add(n);
  }
  const launcher = installedLauncher();
  // before the record: a plan the launcher's encoding refuses (a NUL) leaves no container behind
  const encoded = encodeDirectives(plan.directives);
  const record = await recordContainer(facts, input, plan, limits);
  if (record.limits?.cgroup) prepareCgroup(record.limits.cgroup.base, record.id, record.limits.cgroup.writes);
  const seccomp = facts.bpf === undefined ? undefined : memfdWith('nook-seccomp', facts.bpf);
  const { startBox } = await import('../../containers/judged-run.js');
  return startBox(launcher, encoded, seccomp, { judge: facts.judge!, applied: limits.applied }, [req.stdin !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe']);
}

/** --network, or Docker's alias --net when --network is not given; judge mode's default is none. */
function networkFlag(flags: RunFlags, judged: boolean): string | undefined {
  return (flags.net && !flags.network ? flags.net : flags.network) ?? (judged ? 'none' : undefined);
}

/** The network flags in the network's own terms. */
function networkRequest(flags: RunFlags, judged: boolean): NetworkRequest {
  return {
    mode: networkFlag(flags, judged),
    options: flags.networkOption ?? [],
    publish: flags.publish ?? [],
    publishAll: flags.publishAll ?? false,
    dns: flags.dns ?? [],
    dnsSearch: flags.dnsSearch ?? [],
    dnsOptions: flags.dnsOption ?? [],
    addHosts: flags.addHost ?? [],
    macAddress: flags.macAddress,
  };
}

async function gatherFacts(image: string | undefined, command: string[], flags: RunFlags, mode: LaunchMode, kept?: KeptBetweenRuns): Promise<RunFacts> {
  // With --rootfs there is no image: every positional word is the command.
  if (flags.rootfs !== undefined && image !== undefined) command = [image, ...command];
  const judge = judgeMode(flags, mode);
  const config = await (kept ? (kept.config ??= loadConfig()) : loadConfig());
  const id = newContainerId();
  const files = containerFiles(id);
  const dir = files.dir;
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
  const profileRef = flags.privileged ? 'unconfined' : (seccomp ?? (judge ? 'strict' : config.profile));
  // Read once, here: the container keeps this text (a relative path means this directory).
  const profile = profileRef === 'unconfined' ? undefined : resolveProfile(profileRef);
  // A profile may carry its capability policy (`strict`: every one dropped), whatever its
  // name or path; --cap-add still adds back what is asked for.
  const capDrop = capDropUnder(profile, flags.capDrop ?? []);
  // judge mode's mem and procs are --memory and --pids-limit when those are not given
  const judged = judge ? judgeResources(judge) : undefined;
  const ulimits = {
    config: Object.entries(config.ulimits ?? {}).map(([k, v]) => parseUlimit(`${k}=${v}`)),
    flags: [...(flags.ulimit ?? []).map(parseUlimit), ...(judged?.rlimits ?? [])],
  };
  const cpus = allowedCpus();
  const limits: ResourceLimits = {
    memory: flags.memory !== undefined ? parseMemory(flags.memory) : judged?.limits.memory,
    memorySwap: flags.memorySwap !== undefined ? parseMemorySwap(flags.memorySwap) : undefined,
    nanoCpus: flags.cpus !== undefined ? parseCpus(flags.cpus, cpus.length) : undefined,
    cpuShares: flags.cpuShares !== undefined ? parseCpuShares(flags.cpuShares) : undefined,
    pidsLimit: flags.pidsLimit !== undefined ? parsePidsLimit(flags.pidsLimit) : judged?.limits.pidsLimit,
  };
  const stopTimeout = flags.stopTimeout !== undefined ? parseStopTimeout(flags.stopTimeout) : undefined;
  const mechanism = hostMechanism(config.limits.mechanism);

  const restart = parseRestartPolicy(flags.restart ?? 'no');
  if (restart.name !== 'no' && !flags.detach) fail('--restart needs a detached container', 'add -d');
  if (restart.name !== 'no' && flags.rm) fail('conflicting options: --restart and --rm');
  const capabilities = containerCapabilities({ privileged: flags.privileged ?? false, capAdd: flags.capAdd ?? [], capDrop });
  const programKey = `${profileRef}\0${capabilities.join(',')}`;
  const bpf = await (kept
    ? (kept.programs.get(programKey) ?? kept.programs.set(programKey, seccompProgram(profile, capabilities)).get(programKey)!)
    : seccompProgram(profile, capabilities));
  const mounts = await mountsFor(flags, chosen, !flags.dryRun);
  const identity = currentIdentity();
  const net = await networkForRun(networkRequest(flags, judge !== undefined), config, chosen.config, dir, hostname, name, identity, lookUpJoinTarget);
  return {
    flags, mode, command, config, id, chosen, name, hostname, userSpec, user,
    env: { files: envFiles, flags: envFlags }, security, profile,
    capabilities, bpf, ulimits, limits, stopTimeout, mechanism, allowedCpus: cpus, restart, mounts, identity, net, judge,
  };
}

/** The running container `--network container:NAME` names, for network planning to join. */
async function lookUpJoinTarget(container: string): Promise<JoinTarget | undefined> {
  const { entryProcess, resolveContainer } = await import('../../containers/state.js');
  const target = resolveContainer(container);
  const entry = target.state.status === 'running' ? entryProcess(target) : undefined;
  return entry && { ...entry, dir: target.dir };
}

/** The planner's input from the facts, and its plan; the limits' plan, which the record shows. */
function planRun(f: RunFacts): { input: PlanInput; plan: LaunchPlan; limits: LimitsPlan } {
  const { flags, id } = f;
  const files = containerFiles(id);
  const limits = planLimits({
    limits: f.limits,
    defaults: { pids: f.config.limits.pids, fileSize: f.config.limits.fileSize, tmpfsSize: f.config.limits.tmpfsSize },
    ulimitFlags: f.ulimits.flags,
    configUlimits: f.ulimits.config,
    mechanism: f.mechanism.mechanism,
    allowedCpus: f.allowedCpus,
    seed: parseInt(id.slice(0, 8), 16),
    cgroup: f.mechanism.base !== undefined ? containerCgroup(f.mechanism.base, id).dir : undefined,
    sharesUserNamespace: f.net.directives.some((d) => d[0] === 'join-net'),
  });
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
    // judge mode: --stdin is handed in as it is; stdout and stderr are always relayed, counted
    interactive: (flags.interactive ?? false) || flags.stdin !== undefined,
    terminalFds: f.judge ? [...(flags.stdin === undefined ? terminalFds().filter((fd) => fd === 0) : []), 1, 2] : terminalFds(),
    // judge mode: the command is not pid 1, which ignores its own default-action signals (a
    // `kill -SEGV $$` would be lost); the init reports the command's own end to the launcher
    init: (flags.init ?? false) || f.judge !== undefined,
    capAdd: flags.capAdd ?? [],
    capabilities: f.capabilities,
    privileged: flags.privileged ?? false,
    ...f.security,
    limits: limits.directives,
    tmpfsSize: limits.tmpfsSize,
    // detached, containers/start.ts hands the program over at the fd this names
    seccompFd: seccompFdFor(f.bpf, f.mode !== 'foreground'),
    // The name link is not listed: after a rename it may belong to another container; a link
    // whose container is gone is stale and reserveName() takes it over.
    removeOnExit: flags.rm ? [files.dir] : [],
    lastCap: lastCapability(),
    stateFile: files.state,
    judge: f.judge,
    supervisor: f.mode === 'foreground' || f.mode === 'judged'
      ? undefined
      : {
          attachSocket: attachSocketPath(id),
          logFile: files.log,
          logMaxBytes: f.config.logs.maxSize,
          logMaxFiles: f.config.logs.maxFiles,
          stopMarker: files.stopMarker,
          restart: f.restart,
        },
  };
  const plan = planLaunch(input);
  return { input, plan: { ...plan, notices: [...limits.notices, ...plan.notices] }, limits };
}

/** Writes the container's directory and record; returns the record. */
async function recordContainer(f: RunFacts, input: PlanInput, plan: LaunchPlan, limits: LimitsPlan): Promise<ContainerConfig> {
  const { flags, id, chosen } = f;
  const files = containerFiles(id);
  // run --rm: what is removed at exit need not survive a power cut (no fsync); a record the
  // cut leaves unreadable is then an abandoned create's, as a missing one is. A `create --rm`
  // waits for its start: it is kept durably.
  const durable = !flags.rm || f.mode === 'create';
  // Held until the record is written: a dir without one is then a killed run's, for the next
  // command to remove (containers/abandoned.ts).
  return withLock(containerLockPath(id), async () => {
    mkdirSync(files.dir, { recursive: true, mode: 0o700 });
    writeNetworkFiles(files.dir, f.net, durable);
    if (f.bpf !== undefined) writeFileAtomic(files.seccompProfile, f.profile!.text, 0o600, { durable });
    if (chosen.rootfs.kind === 'overlay' || chosen.rootfs.kind === 'fuse-overlayfs') {
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
      command: plan.process.argv,
      autoRemove: flags.rm ?? false,
      detached: flags.detach ?? false,
      tty: input.tty,
      interactive: input.interactive,
      hostname: f.hostname,
      env: plan.process.env,
      workingDir: plan.process.workdir,
      user: f.userSpec,
      labels: keyValueRecord(flags.label ?? [], 'label'),
      restartPolicy: f.restart,
      stopSignal: flags.stopSignal ?? chosen.config.StopSignal ?? 'SIGTERM',
      ...(f.stopTimeout !== undefined ? { stopTimeout: f.stopTimeout } : {}),
      limits: { ...limits.applied, ...(f.mechanism.base !== undefined ? { cgroup: { base: f.mechanism.base, writes: limits.cgroupWrites } } : {}) },
      networkMode: networkFlag(flags, f.judge !== undefined) ?? f.config.network,
      readOnly: input.readOnly,
      mounts: [
        ...f.mounts.records,
        ...input.tmpfs.map((t) => ({ type: 'tmpfs' as const, source: '', destination: t.target, readOnly: false })),
      ],
      ports: f.net.ports,
      plan: plan.recorded,
      seccomp: f.bpf === undefined ? null : { profile: f.profile!.ref, file: f.profile!.file, capabilities: f.capabilities },
      process: plan.process,
    };
    writeJsonAtomic(files.config, created, 0o600, { durable });
    return created;
  });
}
