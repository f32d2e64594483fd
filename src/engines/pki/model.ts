import { invalidRequest } from '../../framework/errors.js';
import type { MountStorage } from '../../framework/types.js';
import type { KeySpec, KeyType } from './keys.js';

/** key/<id>: a private key, only ever inside the mount's barrier-encrypted storage. */
export interface KeyEntry {
  id: string;
  name: string;
  type: KeyType;
  bits: number;
  /** PKCS#8 DER, base64. Never answered by any path. */
  pkcs8: string;
}

export type IssuerUsage = 'read-only' | 'issuing-certificates' | 'crl-signing' | 'ocsp-signing';
export const ISSUER_USAGES: readonly IssuerUsage[] = ['read-only', 'issuing-certificates', 'crl-signing', 'ocsp-signing'];
export type LeafNotAfterBehavior = 'err' | 'truncate' | 'permit';

/** issuer/<id>: a CA certificate this mount knows, with (when it holds it) the id of its key. */
export interface IssuerEntry {
  id: string;
  name: string;
  /** '' when the mount has no key for it (an imported parent, for chain building). */
  keyId: string;
  /** PEM. */
  certificate: string;
  /** Colon-separated hex, as Vault writes serials. */
  serial: string;
  /** This certificate, then its parents known to the mount (PEM), rebuilt whenever issuers change. */
  caChain: string[];
  usage: IssuerUsage[];
  leafNotAfterBehavior: LeafNotAfterBehavior;
  manualChain: string[] | null;
  /** Unix seconds; 0 when not revoked. */
  revocationTime: number;
}

/** certs/<serial>: a certificate this mount issued (unless its role said no_store). */
export interface CertEntry {
  /** PEM. */
  certificate: string;
  issuerId: string;
  /** Unix seconds. */
  notAfter: number;
}

/** revoked/<serial>: a revocation, kept until tidy removes it after the certificate expired. */
export interface RevokedEntry {
  serial: string;
  certificate: string;
  issuerId: string;
  /** Unix milliseconds (answered as seconds and as RFC 3339). */
  revokedAt: number;
  notAfter: number;
}

export interface IssuersConfig {
  default: string;
  default_follows_latest_issuer: boolean;
}

export interface UrlsConfig {
  issuing_certificates: string[];
  crl_distribution_points: string[];
  ocsp_servers: string[];
  enable_templating: boolean;
}

/** config/crl, durations in seconds. */
export interface CrlConfig {
  expiry: number;
  disable: boolean;
  ocsp_disable: boolean;
  ocsp_expiry: number;
  auto_rebuild: boolean;
  auto_rebuild_grace_period: number;
  enable_delta: boolean;
  delta_rebuild_interval: number;
}

export const DEFAULT_CRL_CONFIG: CrlConfig = {
  expiry: 72 * 3600,
  disable: false,
  ocsp_disable: false,
  ocsp_expiry: 12 * 3600,
  auto_rebuild: false,
  auto_rebuild_grace_period: 12 * 3600,
  enable_delta: false,
  delta_rebuild_interval: 15 * 60,
};

/** Where everything lives inside the mount's storage view. */
export const KEYS = {
  key: (id: string) => `key/${id}`,
  keys: 'key/',
  issuer: (id: string) => `issuer/${id}`,
  issuers: 'issuer/',
  cert: (serial: string) => `certs/${storageSerial(serial)}`,
  certs: 'certs/',
  revoked: (serial: string) => `revoked/${storageSerial(serial)}`,
  revokedList: 'revoked/',
  role: (name: string) => `role/${name}`,
  roles: 'role/',
  crl: (issuerId: string) => `crls/${issuerId}/`,
  configIssuers: 'config/issuers',
  configKeys: 'config/keys',
  configUrls: 'config/urls',
  configCrl: 'config/crl',
  configAutoTidy: 'config/auto-tidy',
};

/** Serials are answered colon-separated ("3d:80:91"); stored hyphen-separated, as Vault stores them. */
export const storageSerial = (serial: string) => serial.replace(/:/g, '-');
export const displaySerial = (stored: string) => stored.replace(/-/g, ':');

/**
 * A serial as a caller wrote it (colons, hyphens, or none; any case) in Vault's colon form, or a 400.
 * Leading zero bytes are kept: they are part of how Vault printed the serial it gave out.
 */
export function normalizeSerial(input: string): string {
  const hex = input.trim().toLowerCase().replace(/[:-]/g, '');
  if (hex === '' || !/^[0-9a-f]+$/.test(hex) || hex.length > 80) throw invalidRequest(`invalid serial number: ${JSON.stringify(input.slice(0, 100))}`);
  const even = hex.length % 2 ? `0${hex}` : hex;
  return even.match(/../g)!.join(':');
}

export const keySpecOf = (key: KeyEntry): KeySpec => ({ type: key.type, bits: key.bits });

/** Vault's framework.GenericNameRegex: what a role, issuer or key name may be. */
const NAME = /^\w(?:[\w.-]*\w)?$/;

export function checkedName(name: string, what: string): string {
  if (!NAME.test(name) || name.length > 128) throw invalidRequest(`invalid ${what} name "${name.slice(0, 64)}": letters, digits, "_", "-" and "." only`);
  return name;
}

export const loadKey = (store: MountStorage, id: string) => store.get<KeyEntry>(KEYS.key(id));
export const loadIssuer = (store: MountStorage, id: string) => store.get<IssuerEntry>(KEYS.issuer(id));

export async function loadAll<T>(store: MountStorage, prefix: string): Promise<T[]> {
  const ids = (await store.list(prefix)).filter((id) => !id.endsWith('/'));
  const entries = await Promise.all(ids.map((id) => store.get<T>(`${prefix}${id}`)));
  return entries.filter((e): e is Awaited<T> & T => e !== undefined);
}

export async function issuersConfig(store: MountStorage): Promise<IssuersConfig> {
  return (await store.get<IssuersConfig>(KEYS.configIssuers)) ?? { default: '', default_follows_latest_issuer: false };
}

export async function urlsConfig(store: MountStorage): Promise<UrlsConfig> {
  return (await store.get<UrlsConfig>(KEYS.configUrls)) ?? { issuing_certificates: [], crl_distribution_points: [], ocsp_servers: [], enable_templating: false };
}

export async function crlConfig(store: MountStorage): Promise<CrlConfig> {
  return { ...DEFAULT_CRL_CONFIG, ...(await store.get<Partial<CrlConfig>>(KEYS.configCrl)) };
}

/**
 * An issuer reference as Vault reads one: "default" (the configured default issuer), an issuer id,
 * or an issuer name. 400 with Vault's messages when nothing matches.
 */
export async function resolveIssuer(store: MountStorage, ref: string): Promise<IssuerEntry> {
  if (ref === '' || ref === 'default') {
    const { default: id } = await issuersConfig(store);
    const issuer = id ? await loadIssuer(store, id) : undefined;
    if (!issuer) throw invalidRequest('no default issuer currently configured');
    return issuer;
  }
  const byId = /^[0-9a-f-]{36}$/.test(ref) ? await loadIssuer(store, ref) : undefined;
  if (byId) return byId;
  const named = (await loadAll<IssuerEntry>(store, KEYS.issuers)).find((i) => i.name === ref);
  if (!named) throw invalidRequest(`unable to find PKI issuer for reference: ${ref}`);
  return named;
}

/** A key reference: "default" (config/keys), an id, or a name. */
export async function resolveKey(store: MountStorage, ref: string): Promise<KeyEntry> {
  if (ref === '' || ref === 'default') {
    const id = (await store.get<{ default: string }>(KEYS.configKeys))?.default ?? '';
    const key = id ? await loadKey(store, id) : undefined;
    if (!key) throw invalidRequest('no default key currently configured');
    return key;
  }
  const byId = /^[0-9a-f-]{36}$/.test(ref) ? await loadKey(store, ref) : undefined;
  if (byId) return byId;
  const named = (await loadAll<KeyEntry>(store, KEYS.keys)).find((k) => k.name === ref);
  if (!named) throw invalidRequest(`unable to find PKI key for reference: ${ref}`);
  return named;
}

/** One at a time: changes to the set of issuers and keys, and CRL rebuilds, are serialised per mount. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
