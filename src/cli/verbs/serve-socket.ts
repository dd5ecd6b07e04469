// `nook serve --socket`: the protocol on a unix socket only this user can use. Three doors:
// the directory (the user's own, entered by nobody else), the socket's mode (0600, created
// under that umask, so never open for a moment), and the peer's uid (SO_PEERCRED), checked
// on every connection before a byte of it is read: a socket or directory opened by mistake
// still serves nobody else.
import { chmodSync, lstatSync, mkdirSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fail } from '../../errors.js';
import { runtimeDir } from '../../paths.js';
import { peerUid } from '../../native/ffi.js';

/**
 * Serves each connection of this user with `onClient` until SIGINT or SIGTERM (returned); then
 * the socket is removed and no connection accepted. `disconnect` closes the open ones (what
 * was written to them is flushed first), for the end once their boxes have answered.
 */
export async function serveOnSocket(given: string | undefined, onClient: (socket: Socket) => void): Promise<{ signal: NodeJS.Signals; disconnect: () => void }> {
  const uid = process.getuid!();
  const path = given === undefined ? defaultSocket() : resolve(given);
  const dir = lstatSync(dirname(path), { throwIfNoEntry: false });
  if (!dir?.isDirectory() || dir.uid !== uid || (dir.mode & 0o077) !== 0) {
    fail(`refusing to serve in ${dirname(path)}: it must be a directory of yours that nobody else can enter (mode 0700)`);
  }
  await removeStale(path);
  // half-open: a client may end its side after its last request and still read the answers
  const open = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('error', () => undefined);
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
    let peer: number | undefined;
    try {
      peer = fd === undefined ? undefined : peerUid(fd);
    } catch {
      peer = undefined;
    }
    if (peer !== uid) {
      socket.end(JSON.stringify({ id: null, error: `refused: the peer's uid ${peer ?? 'unknown'} is not this server's (${uid})` }) + '\n');
      return;
    }
    onClient(socket);
  });
  const umask = process.umask(0o177);
  try {
    await new Promise<void>((ok, bad) => {
      server.once('error', bad);
      server.listen(path, ok);
    });
  } catch (e) {
    fail(`cannot listen on ${path}: ${(e as Error).message}`);
  } finally {
    process.umask(umask);
  }
  chmodSync(path, 0o600);
  process.stderr.write(`nook: serving on ${path}\n`);
  const sig = await new Promise<NodeJS.Signals>((done) => onStopSignal((s) => {
    server.close();
    done(s);
  }));
  rmSync(path, { force: true });
  return { signal: sig, disconnect: () => open.forEach((socket) => socket.destroySoon()) };
}

/** SIGINT and SIGTERM, once each: how a server (stdio or socket) is told to stop. */
export function onStopSignal(stop: (sig: NodeJS.Signals) => void): void {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => stop(sig));
}

function defaultSocket(): string {
  const dir = runtimeDir();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return join(dir, 'serve.sock');
}

/** A socket left by a server that is gone is removed; one that answers, or any other file, is refused. */
async function removeStale(path: string): Promise<void> {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st) return;
  if (!st.isSocket()) fail(`refusing to serve on ${path}: it exists and is not a socket`);
  const alive = await new Promise<boolean>((answer) => {
    const probe = createConnection(path);
    probe.once('connect', () => {
      probe.destroy();
      answer(true);
    });
    probe.once('error', () => answer(false));
  });
  if (alive) fail(`another server is listening on ${path}`);
  rmSync(path);
}
