// Which URLs serve a registry's content: mirrors from config first, then the registry itself;
// plain http only for hosts marked insecure and for loopback (as Docker does). Pure.

export interface RegistrySettings {
  insecure: string[];
  mirrors: Record<string, string[]>;
}

export interface Endpoint {
  /** https://registry-1.docker.io */
  base: string;
  host: string;
  mirror: boolean;
  /** the name its stored credentials are looked up by: a mirror never gets the registry's */
  credentialsName: string;
}

/** docker.io's API lives at a different host than its name. */
export function apiHost(domain: string): string {
  return domain === 'docker.io' ? 'registry-1.docker.io' : domain;
}

export function isInsecureHost(host: string, insecure: string[]): boolean {
  if (insecure.includes(host)) return true;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
  return name === 'localhost' || name === '[::1]' || /^127(\.\d{1,3}){3}$/.test(name);
}

export function endpointsFor(domain: string, settings: RegistrySettings): Endpoint[] {
  const mirrors = settings.mirrors[domain] ?? [];
  const hosts = [
    ...mirrors.map((m) => ({ host: stripScheme(m), mirror: true, credentialsName: stripScheme(m) })),
    { host: apiHost(domain), mirror: false, credentialsName: domain },
  ];
  return hosts.map((h) => ({ ...h, base: `${isInsecureHost(h.host, settings.insecure) ? 'http' : 'https'}://${h.host}` }));
}

function stripScheme(s: string): string {
  return s.replace(/^https?:\/\//, '').replace(/\/+$/, '');
}
