// Registry credentials, found where Docker and Podman keep them: $XDG_RUNTIME_DIR/containers/auth.json
// (Podman), then $DOCKER_CONFIG/config.json or ~/.docker/config.json, each with credential helpers.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { NookError } from '../../errors.js';

export interface Credentials {
  username: string;
  password: string;
  /** A refresh token from `docker login` against a token server. */
  identityToken?: string | undefined;
}

interface AuthFile {
  auths?: Record<string, { auth?: string; identitytoken?: string; username?: string; password?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

export function authFiles(): string[] {
  const files: string[] = [];
  const runtime = process.env['XDG_RUNTIME_DIR'];
  if (runtime) files.push(join(runtime, 'containers', 'auth.json'));
  files.push(join(process.env['DOCKER_CONFIG'] ?? join(homedir(), '.docker'), 'config.json'));
  return files;
}

/** The keys a host may be stored under; docker.io keeps Docker's historical index URL. */
export function authKeys(domain: string): string[] {
  if (domain === 'docker.io') return ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];
  return [domain, `https://${domain}`, `http://${domain}`, `https://${domain}/v1/`, `https://${domain}/v2/`];
}

export function findCredentials(domain: string, files: string[] = authFiles()): Credentials | undefined {
  for (const file of files) {
    if (!existsSync(file)) continue;
    let cfg: AuthFile;
    try {
      cfg = JSON.parse(readFileSync(file, 'utf8')) as AuthFile;
    } catch {
      throw new NookError(`cannot parse the credentials file ${file}`, { hint: 'fix its JSON or remove it' });
    }
    const keys = authKeys(domain);
    const helper = keys.map((k) => cfg.credHelpers?.[k]).find(Boolean);
    if (helper) return fromHelper(helper, keys[0]!);
    for (const k of keys) {
      const a = cfg.auths?.[k];
      if (!a) continue;
      if (a.auth) {
        const decoded = Buffer.from(a.auth, 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon < 0) throw new NookError(`the credentials for ${domain} in ${file} are malformed`);
        return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), identityToken: a.identitytoken };
      }
      if (a.username && a.password) return { username: a.username, password: a.password };
      if (a.identitytoken) return { username: '', password: '', identityToken: a.identitytoken };
    }
    if (cfg.credsStore && keys.some((k) => cfg.auths?.[k] !== undefined)) return fromHelper(cfg.credsStore, keys[0]!);
  }
  return undefined;
}

/** Runs `docker-credential-<helper> get` with the server on stdin (the helper protocol). */
function fromHelper(helper: string, server: string): Credentials | undefined {
  const r = spawnSync(`docker-credential-${helper}`, ['get'], { input: server, encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw new NookError(`credential helper docker-credential-${helper} failed: ${r.error.message}`, { hint: 'install it or remove it from the credentials file' });
  if (r.status !== 0) return undefined; // "credentials not found in native keychain"
  const out = JSON.parse(r.stdout) as { Username?: string; Secret?: string };
  if (!out.Secret) return undefined;
  return out.Username === '<token>' ? { username: '', password: '', identityToken: out.Secret } : { username: out.Username ?? '', password: out.Secret };
}
