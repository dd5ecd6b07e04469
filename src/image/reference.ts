// Image references with Docker's normalisation: `busybox` -> docker.io/library/busybox:latest.
// Pure: the grammar of distribution/reference, checked strictly, every error one line.
import { fail } from '../errors.js';

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';
const MAX_NAME_LENGTH = 255;

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_LABEL = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const PORT = /^[0-9]+$/;

export interface ImageReference {
  /** Registry host with optional port, e.g. docker.io, 127.0.0.1:5000. */
  domain: string;
  /** Repository path inside the registry, e.g. library/busybox. */
  path: string;
  /** Tag; `latest` when neither a tag nor a digest was given. */
  tag: string | undefined;
  digest: string | undefined;
}

/** Parses and normalises a reference, or fails with one line naming what is wrong. */
export function parseReference(input: string): ImageReference {
  const ref = input.trim();
  if (ref === '') fail('empty image reference', 'give an image such as busybox or debian:bookworm');
  if (ref !== ref.toLowerCase() && !hasUppercaseDomainOnly(ref)) {
    fail(`invalid reference "${input}": repository names must be lowercase`);
  }
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) fail(`invalid reference "${input}": digest must be sha256: followed by 64 lowercase hex digits`);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) fail(`invalid reference "${input}": bad tag "${tag}" (letters, digits, _ . -, at most 128, not starting with . or -)`);
  }
  const { domain, path } = splitDomain(rest, input);
  if (path.split('/').some((c) => !COMPONENT.test(c))) {
    fail(`invalid reference "${input}": bad repository name "${path}" (lowercase letters, digits and separators . _ __ -)`);
  }
  if (domain.length + 1 + path.length > MAX_NAME_LENGTH) fail(`invalid reference "${input}": name longer than ${MAX_NAME_LENGTH} characters`);
  if (tag === undefined && digest === undefined) tag = 'latest';
  return { domain, path, tag, digest };
}

/** Registry host names may carry uppercase letters; only the path must be lowercase. */
function hasUppercaseDomainOnly(ref: string): boolean {
  const slash = ref.indexOf('/');
  if (slash < 0) return false;
  const first = ref.slice(0, slash);
  return isDomain(first) && ref.slice(slash) === ref.slice(slash).toLowerCase();
}

function isDomain(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost' || component !== component.toLowerCase();
}

function splitDomain(name: string, input: string): { domain: string; path: string } {
  if (name === '') fail(`invalid reference "${input}": missing repository name`);
  const slash = name.indexOf('/');
  let domain = DEFAULT_DOMAIN;
  let path = name;
  if (slash >= 0 && isDomain(name.slice(0, slash))) {
    domain = name.slice(0, slash);
    path = name.slice(slash + 1);
    checkDomain(domain, input);
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = OFFICIAL_REPO_PREFIX + path;
  if (path === '') fail(`invalid reference "${input}": missing repository name`);
  return { domain, path };
}

function checkDomain(domain: string, input: string): void {
  let host = domain;
  let port: string | undefined;
  if (domain.startsWith('[')) {
    // IPv6 literal: [::1]:5000
    const end = domain.indexOf(']');
    if (end < 0 || !/^[0-9a-fA-F:]+$/.test(domain.slice(1, end))) fail(`invalid reference "${input}": bad registry address "${domain}"`);
    const after = domain.slice(end + 1);
    if (after !== '' && !(after.startsWith(':') && PORT.test(after.slice(1)))) fail(`invalid reference "${input}": bad registry port in "${domain}"`);
    return;
  }
  const c = domain.lastIndexOf(':');
  if (c >= 0) {
    host = domain.slice(0, c);
    port = domain.slice(c + 1);
    if (!PORT.test(port) || Number(port) > 65535) fail(`invalid reference "${input}": bad registry port in "${domain}"`);
  }
  if (host.split('.').some((l) => !DOMAIN_LABEL.test(l))) fail(`invalid reference "${input}": bad registry host "${host}"`);
}

/** The repository's full name: docker.io/library/busybox. */
export function repositoryName(ref: ImageReference): string {
  return `${ref.domain}/${ref.path}`;
}

/** The full normalised form: docker.io/library/busybox:latest, name@sha256:..., name:tag@sha256:... */
export function formatReference(ref: ImageReference): string {
  return repositoryName(ref) + (ref.tag ? `:${ref.tag}` : '') + (ref.digest ? `@${ref.digest}` : '');
}

/** The short form Docker shows: busybox, someone/app, localhost:5000/x. */
export function familiarName(repository: string): string {
  if (repository.startsWith(DEFAULT_DOMAIN + '/')) {
    const path = repository.slice(DEFAULT_DOMAIN.length + 1);
    return path.startsWith(OFFICIAL_REPO_PREFIX) && path.indexOf('/', OFFICIAL_REPO_PREFIX.length) < 0 ? path.slice(OFFICIAL_REPO_PREFIX.length) : path;
  }
  return repository;
}

/** Splits a stored `repository:tag` key back into its parts (the tag never contains '/' or ':'). */
export function splitTagged(tagged: string): { repository: string; tag: string } {
  const c = tagged.lastIndexOf(':');
  return { repository: tagged.slice(0, c), tag: tagged.slice(c + 1) };
}

/** A full sha256 image id or an unambiguous prefix of at least 4 hex digits (like `docker rmi 3f5e`). */
export function looksLikeIdPrefix(s: string): boolean {
  return /^(sha256:)?[a-f0-9]{4,64}$/.test(s);
}
