// The pull settings from the nook config (registries, limits), and this run's platform.
import { loadConfig } from '../config/load.js';
import type { PullSettings } from './pull.js';
import { hostPlatform, parsePlatform } from './platform.js';
import type { Platform } from './media-types.js';

export async function loadPullSettings(): Promise<PullSettings> {
  const c = await loadConfig();
  return {
    registries: { insecure: c.registries.insecure, mirrors: c.registries.mirrors },
    limits: c.limits,
    timeouts: { headerMs: c.limits.headerTimeoutSeconds * 1000, idleMs: c.limits.idleTimeoutSeconds * 1000 },
  };
}

export function platformFrom(flag: string | undefined): { platform: Platform; platformExplicit: boolean } {
  return flag ? { platform: parsePlatform(flag), platformExplicit: true } : { platform: hostPlatform(), platformExplicit: false };
}
