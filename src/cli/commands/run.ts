import { Command, Option } from 'commander';
import { collect } from '../options.js';
// `run` is the hot path: its code is in the entry bundle, because loading split chunks costs
// the ESM loader a round of asynchronous file reads each.
import { run } from '../actions/run.js';

/** The run flags as commander hands them over. */
import type { NetworkFlags } from '../../network/run-network.js';

export interface RunFlags extends NetworkFlags {
  /** Docker's alias of --network; --network wins */
  net?: string;
  rm?: boolean;
  name?: string;
  env?: string[];
  envFile?: string[];
  workdir?: string;
  user?: string;
  hostname?: string;
  entrypoint?: string;
  readOnly?: boolean;
  volume?: string[];
  tmpfs?: string[];
  dryRun?: boolean;
  interactive?: boolean;
  tty?: boolean;
  init?: boolean;
  rootfs?: string;
  capAdd?: string[];
  capDrop?: string[];
  securityOpt?: string[];
  privileged?: boolean;
  ulimit?: string[];
  detach?: boolean;
  restart?: string;
  label?: string[];
  stopSignal?: string;
  pull?: string;
  platform?: string;
  storageDriver?: string;
  mount?: string[];
  volumesFrom?: string[];
  /** `nook create`: record the container, start nothing */
  createOnly?: boolean;
}

/** The flags `run` and `create` share. */
export function defineRunOptions(cmd: Command): Command {
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
    .option('--volumes-from <container[:ro|rw]>', 'mount the volumes of another container', collect);
}

export function registerRun(program: Command): void {
  defineRunOptions(program.command('run').description('run a command in a new container'))
    .action(async (image: string | undefined, command: string[], flags: RunFlags) => {
      process.exitCode = await run(image, command, flags);
    });
}
