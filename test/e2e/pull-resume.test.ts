// Issue 14: a slow or broken layer download, as the unprivileged user, against a registry in
// this process (node http on 127.0.0.1) that serves a real image and misbehaves on its layer.
// A body that takes longer than the header timeout but is never idle for long is pulled whole;
// one that stalls or breaks midway is resumed with Range (or started over where Range is
// ignored); one that always stalls fails in one line naming the inactivity and the tries.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addTarLayer, blobPath, initLayout, MEDIA, readLayoutImage, writeImage } from '../fixtures/oci-layout.mjs';
import { tarOf } from '../fixtures/tar-entries.mjs';
import { hostRun, nook, type Result } from './harness.js';

const test = suite('pull-resume');

const REPO = 'test/slow';
/** incompressible, so the gzip layer is as large: ~26 chunks of CHUNK */
const PAYLOAD = 400 * 1024;
const CHUNK = 16 * 1024;

interface Image {
  manifest: { body: Buffer; mediaType: string };
  blobs: Map<string, Buffer>;
  layer: { digest: string; body: Buffer };
}
let image: Image;
const dirs: string[] = [];

test.before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nook-resume-layout-'));
  try {
    await initLayout(dir);
    const layer = await addTarLayer(dir, [tarOf([[{ name: 'payload', mode: 0o644 }, randomBytes(PAYLOAD)]])]);
    await writeImage(dir, { config: { Cmd: ['/payload'] }, layers: [layer], tag: 'latest' });
    const { manifestDescriptor, manifest } = await readLayoutImage(dir);
    const read = (digest: string) => readFileSync(blobPath(dir, digest));
    image = {
      manifest: { body: read(manifestDescriptor.digest), mediaType: MEDIA.manifest },
      blobs: new Map([[manifest.config.digest, read(manifest.config.digest)], [layer.digest, read(layer.digest)]]),
      layer: { digest: layer.digest, body: read(layer.digest) },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.after(async () => {
  for (const d of dirs) {
    if (existsSync(join(d, 'data'))) await nook(['system', 'prune', '-a', '-f'], { env: { XDG_DATA_HOME: join(d, 'data') }, timeoutMs: 60_000 }).catch(() => undefined);
    await hostRun('unshare', ['--map-auto', '--map-root-user', 'rm', '-rf', d], { timeoutMs: 60_000 });
  }
});

/** A scratch store and a user config holding the pull's timeouts. */
function scratch(limits: { headerTimeoutSeconds: number; idleTimeoutSeconds: number }): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'nook-resume-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'config', 'nook'), { recursive: true });
  writeFileSync(join(dir, 'config', 'nook', 'config.json'), JSON.stringify({ limits }));
  return { XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config') };
}

/** How the layer's nth request (1-based) is answered; every other path is served plainly. */
type LayerHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer, n: number) => void;

interface Registry {
  host: string;
  /** the Range header of every request for the layer, '' when there was none */
  layerRanges: string[];
  close(): Promise<void>;
}

async function registry(serveLayer: LayerHandler): Promise<Registry> {
  const layerRanges: string[] = [];
  const server = createServer((req, res) => {
    const path = req.url ?? '';
    if (path === `/v2/${REPO}/manifests/latest`) {
      res.writeHead(200, { 'Content-Type': image.manifest.mediaType, 'Content-Length': image.manifest.body.length }).end(image.manifest.body);
      return;
    }
    const digest = path.startsWith(`/v2/${REPO}/blobs/`) ? path.slice(`/v2/${REPO}/blobs/`.length) : '';
    if (digest === image.layer.digest) {
      layerRanges.push(req.headers.range ?? '');
      serveLayer(req, res, image.layer.body, layerRanges.length);
      return;
    }
    const blob = image.blobs.get(digest);
    if (blob) res.writeHead(200, { 'Content-Length': blob.length }).end(blob);
    else res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown"}]}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    layerRanges,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** The part of `body` a request asks for, with the status and headers that say so. */
function requested(req: IncomingMessage, body: Buffer, honourRange: boolean): { status: number; headers: Record<string, string | number>; part: Buffer } {
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (!m || !honourRange) return { status: 200, headers: { 'Content-Length': body.length }, part: body };
  const from = Number(m[1]);
  return { status: 206, headers: { 'Content-Length': body.length - from, 'Content-Range': `bytes ${from}-${body.length - 1}/${body.length}` }, part: body.subarray(from) };
}

/** Sends `part` in CHUNK pieces, one every `everyMs`. */
function trickle(res: ServerResponse, part: Buffer, everyMs: number): void {
  let off = 0;
  const next = () => {
    if (res.destroyed) return;
    if (off >= part.length) return void res.end();
    res.write(part.subarray(off, off + CHUNK));
    off += CHUNK;
    setTimeout(next, everyMs);
  };
  next();
}

/** Sends the first half of what was asked for, then nothing (or drops the connection). */
function halfThen(req: IncomingMessage, res: ServerResponse, body: Buffer, after: 'stall' | 'drop'): void {
  const { status, headers, part } = requested(req, body, true);
  res.writeHead(status, headers);
  res.write(part.subarray(0, Math.floor(part.length / 2)), () => {
    if (after === 'drop') setTimeout(() => res.socket?.destroy(), 100);
  });
}

const pull = (env: Record<string, string>, host: string): Promise<Result> =>
  nook(['pull', `${host}/${REPO}:latest`], { env, timeoutMs: 30_000 });

test('a layer that takes longer than the header timeout, never idle for long, is pulled whole', async () => {
  // ~26 chunks 150 ms apart: ~4 s in all, twice the header timeout, never 2 s without a byte
  const reg = await registry((req, res, body) => {
    const { status, headers, part } = requested(req, body, true);
    res.writeHead(status, headers);
    trickle(res, part, 150);
  });
  try {
    const started = Date.now();
    const r = await pull(scratch({ headerTimeoutSeconds: 2, idleTimeoutSeconds: 2 }), reg.host);
    const took = Date.now() - started;
    assert.is(r.code, 0, `exit ${r.code}: ${r.stderr}`);
    assert.ok(took > 3000, `the transfer took ${took} ms: longer than the 2 s header timeout`);
    assert.equal(reg.layerRanges, [''], 'one request, never cut');
  } finally {
    await reg.close();
  }
});

for (const after of ['stall', 'drop'] as const) {
  test(`a layer whose first body ${after === 'stall' ? 'stalls' : 'breaks off'} midway is resumed with Range`, async () => {
    const reg = await registry((req, res, body, n) => {
      if (n === 1) return halfThen(req, res, body, after);
      const { status, headers, part } = requested(req, body, true);
      res.writeHead(status, headers).end(part);
    });
    try {
      const r = await pull(scratch({ headerTimeoutSeconds: 2, idleTimeoutSeconds: 1 }), reg.host);
      assert.is(r.code, 0, `exit ${r.code}: ${r.stderr}`);
      assert.equal(reg.layerRanges, ['', `bytes=${Math.floor(image.layer.body.length / 2)}-`], 'the second try asks for the rest');
    } finally {
      await reg.close();
    }
  });
}

test('a registry that ignores Range: the second try starts the blob over, and it still verifies', async () => {
  const reg = await registry((req, res, body, n) => {
    if (n === 1) return halfThen(req, res, body, 'stall');
    const { status, headers, part } = requested(req, body, false);
    res.writeHead(status, headers).end(part);
  });
  try {
    const r = await pull(scratch({ headerTimeoutSeconds: 2, idleTimeoutSeconds: 1 }), reg.host);
    assert.is(r.code, 0, `exit ${r.code}: ${r.stderr}`);
    assert.is(reg.layerRanges.length, 2);
  } finally {
    await reg.close();
  }
});

test('a layer that always stalls fails in one line naming the inactivity and the tries, in bounded time', async () => {
  const reg = await registry((req, res, body) => halfThen(req, res, body, 'stall'));
  try {
    const started = Date.now();
    const r = await pull(scratch({ headerTimeoutSeconds: 2, idleTimeoutSeconds: 1 }), reg.host);
    const took = Date.now() - started;
    assert.is(r.code, 125, `exit ${r.code}: ${r.stdout}\n${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.is(lines.length, 1, `one line, got:\n${r.stderr}`);
    const host = reg.host.replace(/\./g, '\\.');
    assert.match(lines[0]!, new RegExp(`^nook: layer ${image.layer.digest} \\(1\\) of ${host}/${REPO}:latest: no data from ${host} for 1 s \\(after 4 tries\\)$`), lines[0]);
    assert.not.match(r.stderr, /truncated/);
    assert.is(reg.layerRanges.length, 4);
    assert.ok(reg.layerRanges.slice(1).every((h) => /^bytes=\d+-$/.test(h)), `each retry resumes: ${reg.layerRanges.join(', ')}`);
    // 4 idle seconds and 0.25 + 1 + 3 s of back-off
    assert.ok(took < 15_000, `gave up after ${took} ms`);
  } finally {
    await reg.close();
  }
});

test('a 503 is tried again; a 404 is not', async () => {
  const flaky = await registry((_req, res, body, n) => {
    if (n === 1) return void res.writeHead(503, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"UNAVAILABLE","message":"try later"}]}');
    res.writeHead(200, { 'Content-Length': body.length }).end(body);
  });
  const missing = await registry((_req, res) => {
    res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown"}]}');
  });
  try {
    const ok = await pull(scratch({ headerTimeoutSeconds: 2, idleTimeoutSeconds: 1 }), flaky.host);
    assert.is(ok.code, 0, `exit ${ok.code}: ${ok.stderr}`);
    assert.is(flaky.layerRanges.length, 2);
    const gone = await pull(scratch({ headerTimeoutSeconds: 2, idleTimeoutSeconds: 1 }), missing.host);
    assert.is(gone.code, 125, gone.stderr);
    assert.match(gone.stderr, /not found in .*blob unknown/);
    assert.is(missing.layerRanges.length, 1, 'a 404 is final');
  } finally {
    await flaky.close();
    await missing.close();
  }
});

test.run();
