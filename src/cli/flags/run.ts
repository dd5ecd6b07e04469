// `nook run` and `nook create`: one declaration of the flags both take. A new flag is one
// `.option()` line here; RunFlags (and so the verb) follows from it.
import { Option, type Command } from '@commander-js/extra-typings';
import { collect, type FlagsOf } from './define.js';

/** The arguments and flags `run` and `create` share. */
export function defineRunOptions(cmd: Command) {
  return cmd
    .argument('[image]', 'image to run (`host`: this machine\'s own root, read-only)')
    .argument('[command...]', 'command and arguments (default: the image\'s)')
    .passThroughOptions()
    .option('--rm', 'remove the container when it exits')
    .option('-d, --detach', 'run in the background and print the container id')
    .option('--restart <policy>', 'no, on-failure[:max-retries], always or unless-stopped (with -d)')
    .option('-l, --label <key=value>', 'set a label on the container', collect)
    .option('--stop-signal <signal>', 'signal that stops the container (default: the image\'s, else SIGTERM)')
    .option('--name <name>', 'assign a name to the container')
    .option('-e, --env <KEY=VALUE>', 'set an environment variable (KEY alone copies it from here)', collect)
    .option('--env-file <file>', 'read environment variables from a file', collect)
    .option('-w, --workdir <dir>', 'working directory inside the container')
    .option('-u, --user <user[:group]>', 'user name or uid, optionally with group')
    .option('-h, --hostname <name>', 'container host name')
    .option('--entrypoint <cmd>', 'override the image\'s entrypoint')
    .option('--read-only', 'mount the container\'s root file system read-only')
    .option('-v, --volume <src:dst[:ro]>', 'bind mount a host path', collect)
    .option('--tmpfs <path[:opts]>', 'mount a tmpfs (opts: size=N,mode=M)', collect)
    .addOption(new Option('--network <mode>', 'network: pasta, slirp4netns, none, host, container:NAME (default from config: auto)').default(undefined))
    .option('--network-option <key=value>', 'allow_host_loopback=true, mtu=N, cidr=NET (slirp4netns)', collect)
    .option('-p, --publish <[ip:][hostport:]port[/proto]>', 'publish a container port on the host', collect)
    .option('-P, --publish-all', 'publish every port the image exposes on free host ports')
    .option('--dns <ip>', 'nameserver for /etc/resolv.conf', collect)
    .option('--dns-search <domain>', 'search domain for /etc/resolv.conf', collect)
    .option('--dns-option <opt>', 'option for /etc/resolv.conf', collect)
    .option('--add-host <name:ip>', 'add a line to /etc/hosts (ip may be host-gateway)', collect)
    .option('--mac-address <mac>', 'the container\'s MAC address (pasta, slirp4netns)')
    // Docker's alias of --network; --network wins
    .addOption(new Option('--net <mode>').hideHelp())
    .option('--dry-run', 'print the launcher\'s directives and start nothing')
    .option('-i, --interactive', 'keep stdin open')
    .option('-t, --tty', 'allocate a pseudo-terminal')
    .option('--init', 'run a small init as pid 1 that reaps zombies and forwards signals')
    .option('--pull <policy>', 'pull the image: missing, always or never', 'missing')
    .option('--platform <os/arch>', 'platform of the image to pull')
    .option('--storage-driver <driver>', 'how the image root is built: auto, overlay or fuse-overlayfs')
    .option('--rootfs <dir>', 'use an unpacked root file system directory as the image')
    .option('--cap-add <cap>', 'add a capability (ALL for all)', collect)
    .option('--cap-drop <cap>', 'drop a capability (ALL for all)', collect)
    .option('--security-opt <opt>', 'no-new-privileges=false, mask=PATH, unmask=PATH|ALL', collect)
    .option('--privileged', 'every capability of the user namespace, no masked paths')
    .option('--ulimit <name=soft[:hard]>', 'set a resource limit (nofile, nproc, core, ...)', collect)
    .option('--mount <spec>', 'type=bind|volume|tmpfs,source=..,target=..[,readonly]', collect)
    .option('--volumes-from <container[:ro|rw]>', 'mount the volumes of another container', collect)
    // resource limits (src/core/limits.ts); "without cgroups" is the rlimits mechanism `nook info` names
    .option('-m, --memory <bytes>', 'memory limit (b, k, m, g). Without cgroups approximate: RLIMIT_AS, each process\'s address space, reserved or not, each process on its own')
    .option('--memory-swap <bytes>', 'memory plus swap (-1: unlimited swap). Without cgroups recorded, not enforced')
    .option('--cpus <number>', 'CPUs (e.g. 1.5). Without cgroups approximate: pinned to ceil(N) CPUs, not a rate')
    .option('--cpu-shares <weight>', 'relative CPU weight (default 1024). Without cgroups approximate: a nice value (512: 3, 2: 19); above 1024 needs privilege, runs at nice 0')
    .option('--pids-limit <n>', 'processes of the whole container, all its uids together (0 or -1: unlimited; default: config limits.pids, 4096). Exact without cgroups too')
    .option('--stop-timeout <seconds>', 'seconds `nook stop` waits before SIGKILL (default 10)')
    // judge mode (either of the first two; see JUDGE_HELP): src/containers/judged-run.ts
    .option('--limits <key=value,key=value>', 'judge mode: time=S,wall=S,extra=S,mem=SIZE,procs=N,fsize=SIZE,output=SIZE,stack=SIZE,files=N')
    .option('--result <file>', 'judge mode: write the result record (JSON) to FILE')
    .option('--stdin <file>', 'judge mode: the container\'s stdin is FILE')
    .option('--stdout <file>', 'judge mode: write the container\'s stdout to FILE')
    .option('--stderr <file>', 'judge mode: write the container\'s stderr to FILE');
}

/** Judge mode in `nook run --help`: what is measured, how, and what is approximate. */
const JUDGE_HELP = `
Judge mode (--limits or --result): no network (unless --network is given), seccomp profile
strict (unless --security-opt seccomp=... is given), no terminal; the command runs under a
small init. Its stdout and stderr are relayed and counted. At a limit every process of the box
is killed (SIGKILL: SIGTERM-ignoring and forking ones too) and reaped by the init, so its CPU
time counts. --limits keys: time (CPU seconds of every process), wall (seconds from the exec
to the last process gone), extra (grace before the kill), mem, fsize, output (stdout and
stderr together), stack (bytes, K/M/G), procs (as --pids-limit: the whole box), files.
mem and procs are --memory's and --pids-limit's mechanism when those flags are not given. --result FILE gets one JSON record,
written atomically: status OK, RE, SG, TO, ML, OL or XX, isolate's meta fields and Judge0's.
Exit code: the box's (137 when killed), 125 for nook's own failure.
Mechanism without cgroups: rlimits and the launcher's sampling (every 10 ms). Exact: the CPU
and wall times reported (wait4 of the init). Approximate: the kill at the CPU limit (up to
~20 ms late); mem (RLIMIT_AS per process, and a kill when the sampled RSS sum reaches it; ML after
many small allocations failed at the cap is a heuristic, after one of 1 MiB or more it is
certain); max-rss (the largest process;
sampled-rss-sum is the whole box, sampled).`;

export type RunFlags = FlagsOf<typeof defineRunOptions>;

export function defineRun(cmd: Command) {
  return defineRunOptions(cmd.description('run a command in a new container')).addHelpText('after', JUDGE_HELP);
}

export function defineCreate(cmd: Command) {
  return defineRunOptions(cmd.description('create a container without starting it (`nook start` runs it)'));
}
