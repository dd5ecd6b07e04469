// A test host of our own for the network suites: a network namespace made here, joined to
// the host by a veth pair (10.203.0.1 <-> 10.203.0.2), serving one page with busybox httpd.
// For the suites' length the host's net.ipv4.ping_group_range is systemd's default (every
// group), so the helpers' ICMP echo sockets may be opened; the old value comes back in stop.
// Root only; traffic stays inside this machine.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, chmodSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';

const NS = 'nooktest-net';
const BODY = 'hello-from-netns';
const PING_RANGE = '/proc/sys/net/ipv4/ping_group_range';
const ip = (...args) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

export function startNetnsServer() {
  stopNetnsServer();
  const dir = mkdtempSync(join(tmpdir(), 'nook-netns-www-'));
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'index.html'), BODY);
  ip('netns', 'add', NS);
  ip('link', 'add', 'nooktest-h', 'type', 'veth', 'peer', 'name', 'nooktest-n');
  ip('link', 'set', 'nooktest-n', 'netns', NS);
  ip('addr', 'add', '10.203.0.1/24', 'dev', 'nooktest-h');
  ip('link', 'set', 'nooktest-h', 'up');
  ip('netns', 'exec', NS, 'ip', 'addr', 'add', '10.203.0.2/24', 'dev', 'nooktest-n');
  ip('netns', 'exec', NS, 'ip', 'link', 'set', 'nooktest-n', 'up');
  ip('netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up');
  // busybox httpd daemonizes itself; it dies with the namespace's processes in stop
  ip('netns', 'exec', NS, 'busybox', 'httpd', '-p', '80', '-h', dir);
  // a client from elsewhere, on request (netns-prober.mjs); it too ends in stop
  const prober = join(dirname(fileURLToPath(import.meta.url)), 'netns-prober.mjs');
  spawn('ip', ['netns', 'exec', NS, process.execPath, prober], { detached: true, stdio: 'ignore' }).unref();
  for (let i = 0; !execFileSync('ip', ['netns', 'exec', NS, 'ss', '-Htln', 'sport = :8080'], { encoding: 'utf8' }).trim(); i++) {
    if (i === 50) throw new Error('the netns prober did not start');
    execFileSync('sleep', ['0.1']);
  }
  writeFileSync(join(dir, 'ping_group_range'), readFileSync(PING_RANGE));
  writeFileSync(PING_RANGE, '0 2147483647');
  return {
    env: { NOOK_TEST_NETNS_HTTP: 'http://10.203.0.2/', NOOK_TEST_NETNS_BODY: BODY, NOOK_TEST_NETNS_ADDRESS: '10.203.0.2', NOOK_TEST_NETNS_PROBER: '10.203.0.2:8080' },
    dir,
  };
}

export function stopNetnsServer(dir) {
  try {
    const pids = execFileSync('ip', ['netns', 'pids', NS], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (pids) execFileSync('kill', pids.split('\n'));
  } catch {
    // no such namespace
  }
  try {
    ip('netns', 'del', NS);
  } catch {
    // not there
  }
  if (dir && existsSync(join(dir, 'ping_group_range'))) writeFileSync(PING_RANGE, readFileSync(join(dir, 'ping_group_range')));
  if (dir) rmSync(dir, { recursive: true, force: true });
}
