import { readFile } from 'node:fs/promises';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { parseDocument } from 'yaml';
import { parseLogFormat, parseLogLevel } from './logging.js';
import { canonicalListenerCidr } from '../http/client-address.js';
import type { ListenerSettings } from '../http/listener-settings.js';
import type { SecureVersion } from 'node:tls';
import { compareTlsVersions, opensslCipherList, TLS_VERSIONS } from '../http/tls-config.js';
import type { AwsKmsSealConfig } from '../kms/awskms.js';
import { PKCS11_MECHANISMS, type Pkcs11SealConfig } from '../kms/pkcs11.js';
import { parseTransitSeal, type TransitSealConfig } from '../kms/transit.js';
import { DEFAULT_REWRAP, type RewrapSettings } from '../core/rewrap/worker.js';
import type { EtcdStorageConfig } from '../storage/etcd.js';
import { parseBoolText } from '../framework/bool.js';
import { parseDurationMs } from '../framework/duration.js';
import { blocks, unknownOptions, wrongTypes } from './config-keys.js';
import { labelsOf } from './config-options.js';

/** The server configuration, in Vault's shape (storage, listener, seal, api_addr, ui). */
export interface ServerConfig {
  storage: { type: 'sqlite'; path: string } | { type: 'inmem' } | EtcdStorageConfig;
  listeners: ListenerConfig[];
  /** local: the root key wrapped by a local KMS key; shamir: by an unseal key split into shares (sys/init, sys/unseal). */
  /**
   * With no seal stanza: shamir, as in Vault. `ephemeral` (seal "local" only): run on a random key
   * that dies with the process, knowingly; without it a local seal needs a key.
   */
  seal: LocalSealConfig | { type: 'shamir' } | AwsKmsSealConfig | Pkcs11SealConfig | TransitSealConfig;
  /**
   * The former seal of a seal migration: its stanza has disabled = "true" (Vault's way). Only
   * between shamir and a KMS seal, either way; a disabled KMS stanza alone migrates to shamir.
   */
  migrationSeal?: ServerConfig['seal'];
  apiAddr?: string;
  /** cluster_addr: reported as this node's cluster address (sys/leader, sys/ha-status); no cluster port is opened. */
  clusterAddr?: string;
  /**
   * Vault's disable_clustering: while this node is active, standbys do not forward requests to it;
   * they redirect the client there with 307 instead (HA only).
   */
  disableClustering?: boolean;
  ui: boolean;
  logLevel?: string;
  /** log_format: "json" (default) or "standard" (Vault's one-line human format). */
  logFormat?: string;
  /** Largest accepted request body, bytes (Vault's max_request_size). */
  maxRequestSize?: number;
  /** Vault's default_max_request_duration, milliseconds; a listener's max_request_duration overrides it. */
  defaultMaxRequestDurationMs?: number;
  /** dek_cache_ttl, milliseconds: how long unwrapped KV data keys stay in memory; 0 disables the cache. */
  dekCacheTtlMs?: number;
  /** `kms_rewrap { enabled, max_per_sec, interval }`: the KMS re-wrap worker (src/core/rewrap/). */
  kmsRewrap?: RewrapSettings;
}

export interface ListenerConfig {
  address: string;
  tlsDisable: boolean;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** tls_min_version (default tls12) and tls_max_version (default tls13), in Node's names. */
  tlsMinVersion?: SecureVersion;
  tlsMaxVersion?: SecureVersion;
  /** tls_cipher_suites translated to an OpenSSL cipher string (see http/tls-config.ts). */
  tlsCiphers?: string;
  /** tls_require_and_verify_client_cert: the handshake fails without a client certificate that verifies. */
  tlsRequireAndVerifyClientCert?: boolean;
  /** tls_client_ca_file: CAs client certificates are verified against (with require_and_verify; else the system CAs). */
  tlsClientCaFile?: string;
  /** tls_disable_client_certs: do not even ask for a client certificate. */
  tlsDisableClientCerts?: boolean;
  /** max_request_size of this listener, bytes; negative turns the limit off (as Vault). */
  maxRequestSize?: number;
  /** max_request_duration of this listener, milliseconds. */
  maxRequestDurationMs?: number;
  /** The rules its connections carry (trusted proxies, secret-read allowlist...); see http/listener-settings.ts. */
  settings?: ListenerSettings;
}

/** A configuration problem, with the file and line when known. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Json = Record<string, unknown>;

/** Reads an HCL or JSON configuration file (JSON when the name ends in .json or the text starts with "{"). */
export async function loadConfig(file: string): Promise<ServerConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  return parseConfig(file, text);
}

/** Parses configuration text; errors name the file and, where it can be found, the line. */
export async function parseConfig(file: string, text: string): Promise<ServerConfig> {
  const raw = await parseSyntax(file, text);
  const where = (needle: RegExp) => {
    const line = text.split('\n').findIndex((l) => needle.test(l));
    return line === -1 ? file : `${file}:${line + 1}`;
  };
  const fail = (needle: RegExp, message: string): never => {
    throw new ConfigError(`${where(needle)}: ${message}`);
  };

  // Every block's options come from one table (config-options.ts), which the reference is generated from.
  const unknown = unknownOptions(file, text, raw)[0];
  if (unknown !== undefined) throw new ConfigError(unknown);
  const storageBlocks = blocks(raw.storage ?? raw.backend);
  if (storageBlocks.length !== 1) fail(/^\s*"?(storage|backend)\b/, 'exactly one storage stanza is required');
  const [storageType, storageBody] = storageBlocks[0]!;
  let storage: ServerConfig['storage'];
  if (storageType === 'sqlite') {
    if (typeof storageBody.path !== 'string' || storageBody.path === '') fail(/^\s*"?storage\b/, 'storage "sqlite" needs a "path"');
    storage = { type: 'sqlite', path: storageBody.path as string };
  } else if (storageType === 'inmem') {
    storage = { type: 'inmem' };
  } else if (storageType === 'etcd') {
    storage = etcdStorage(storageBody, fail);
  } else {
    storage = fail(new RegExp(`storage\\W+${escape(storageType)}`), `unknown storage type "${storageType}" (supported: ${labelsOf('storage').join(', ')})`);
  }

  const listeners = blocks(raw.listener).map(([type, body]): ListenerConfig => {
    if (type !== 'tcp') fail(new RegExp(`listener\\W+${escape(type)}`), `unknown listener type "${type}" (supported: ${labelsOf('listener').join(', ')})`);
    const address = body.address ?? '127.0.0.1:8200';
    if (typeof address !== 'string' || !/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/.test(address)) {
      fail(/^\s*"?address\b/, `listener address must be host:port, got ${JSON.stringify(address)}`);
    }
    const tlsDisable = truthy(body.tls_disable);
    const listener: ListenerConfig = { address: address as string, tlsDisable };
    if (!tlsDisable) {
      if (typeof body.tls_cert_file !== 'string' || typeof body.tls_key_file !== 'string') {
        fail(/^\s*"?listener\b/, 'listener needs tls_cert_file and tls_key_file, or tls_disable = true');
      }
      listener.tlsCertFile = body.tls_cert_file as string;
      listener.tlsKeyFile = body.tls_key_file as string;
      Object.assign(listener, listenerTls(body, fail));
    }
    Object.assign(listener, listenerLimits(body, fail));
    const clientRules = clientAddressSettings(body, fail);
    if (Object.keys(clientRules).length > 0) listener.settings = { ...listener.settings, ...clientRules };
    if (unauthenticatedMetricsAccess(body, fail)) listener.settings = { ...listener.settings, unauthenticatedMetricsAccess: true };
    return listener;
  });
  if (listeners.length === 0) fail(/^\s*"?listener\b/, 'at least one listener stanza is required');

  const sealBlocks = blocks(raw.seal);
  // Vault's default: no seal stanza is a Shamir seal (operator init splits an unseal key).
  let seal: ServerConfig['seal'] = { type: 'shamir' };
  const sealFrom = ([type, { disabled: _disabled, ...body }]: [string, Json]): ServerConfig['seal'] => {
    if (type === 'awskms') return awsKmsSeal(body, fail);
    if (type === 'pkcs11') return pkcs11Seal(body, fail);
    if (type === 'transit') return transitSeal(body, fail);
    if (type === 'local') return localSeal(body, fail);
    if (type !== 'shamir') fail(new RegExp(`seal\\W+${escape(type)}`), `unknown seal type "${type}" (supported: local, shamir, awskms, pkcs11, transit)`);
    return { type: 'shamir' };
  };
  const enabledSeals = sealBlocks.filter(([, body]) => !truthy(body.disabled));
  const disabledSeals = sealBlocks.filter(([, body]) => truthy(body.disabled));
  if (enabledSeals.length > 1 || disabledSeals.length > 1) fail(/^\s*"?seal\b/, 'at most one seal stanza is allowed, plus one with disabled = "true" for a seal migration');
  if (enabledSeals[0]) seal = sealFrom(enabledSeals[0]);
  let migrationSeal: ServerConfig['seal'] | undefined;
  if (disabledSeals[0]) {
    migrationSeal = sealFrom(disabledSeals[0]);
    // Vault: disabling the only (KMS) seal migrates to Shamir, which is also the default seal.
    if (!enabledSeals[0] && migrationSeal.type !== 'shamir') seal = { type: 'shamir' };
    if ((seal.type === 'shamir') === (migrationSeal.type === 'shamir')) {
      fail(/^\s*"?disabled\b/, `seal migration from "${migrationSeal.type}" to "${seal.type}" is not supported: only from shamir to a KMS seal (local, awskms, pkcs11, transit) or back`);
    }
  }

  for (const key of ['api_addr', 'cluster_addr', 'log_level', 'log_format'] as const) {
    if (raw[key] !== undefined && typeof raw[key] !== 'string') fail(new RegExp(`^\\s*"?${key}\\b`), `${key} must be a string`);
  }
  // HA: standbys forward to the active node at the api_addr it announces in the election.
  if (storage.type === 'etcd' && storage.haEnabled) {
    if (typeof raw.api_addr !== 'string' || !/^https?:\/\/[^\s/]+\/?$/.test(raw.api_addr)) {
      fail(/^\s*"?(api_addr|ha_enabled)\b/, 'storage "etcd" with ha_enabled = true needs api_addr: this node\'s address for clients, e.g. "http://10.0.0.5:8200" (standbys forward requests to it)');
    }
  }
  if (typeof raw.cluster_addr === 'string' && !/^https?:\/\/[^\s/]+\/?$/.test(raw.cluster_addr)) {
    fail(/^\s*"?cluster_addr\b/, `cluster_addr must be a URL such as "https://10.0.0.5:8201", got ${JSON.stringify(raw.cluster_addr)}`);
  }
  if (typeof raw.log_level === 'string' && !parseLogLevel(raw.log_level)) {
    fail(/^\s*"?log_level\b/, `log_level must be one of trace, debug, info, warn, error, got ${JSON.stringify(raw.log_level)}`);
  }
  if (typeof raw.log_format === 'string' && !parseLogFormat(raw.log_format)) {
    fail(/^\s*"?log_format\b/, `log_format must be "json" or "standard", got ${JSON.stringify(raw.log_format)}`);
  }
  // The top-level telemetry stanza (Vault's sinks: statsd, prometheus_retention_time...) is accepted;
  // Coffer's metrics are always at sys/metrics, so its options change nothing.
  if (raw.telemetry !== undefined && (typeof raw.telemetry !== 'object' || raw.telemetry === null)) fail(/^\s*"?telemetry\b/, 'telemetry must be a block');
  const maxRequestSize = raw.max_request_size;
  if (maxRequestSize !== undefined && !(Number.isSafeInteger(maxRequestSize) && (maxRequestSize as number) > 0)) {
    fail(/^\s*"?max_request_size\b/, 'max_request_size must be a positive integer');
  }
  const defaultMaxRequestDuration = raw.default_max_request_duration;
  const defaultMaxRequestDurationMs = defaultMaxRequestDuration === undefined ? undefined : parseDurationMs(defaultMaxRequestDuration);
  if (defaultMaxRequestDurationMs !== undefined && !(defaultMaxRequestDurationMs >= 0)) {
    fail(/^\s*"?default_max_request_duration\b/, `default_max_request_duration must be a duration such as "90s", got ${JSON.stringify(defaultMaxRequestDuration)}`);
  }
  const dekCacheTtl = raw.dek_cache_ttl;
  const dekCacheTtlMs = dekCacheTtl === undefined ? undefined : parseDurationMs(dekCacheTtl);
  if (dekCacheTtl !== undefined && !(dekCacheTtlMs !== undefined && dekCacheTtlMs >= 0)) {
    fail(/^\s*"?dek_cache_ttl\b/, `dek_cache_ttl must be a duration such as "5m" (0 disables the cache), got ${JSON.stringify(dekCacheTtl)}`);
  }
  const kmsRewrap = raw.kms_rewrap === undefined ? undefined : kmsRewrapSettings(raw.kms_rewrap, fail);
  // After the checks above, whose messages are more specific: what none of them reads closely.
  const mistyped = wrongTypes(file, text, raw)[0];
  if (mistyped !== undefined) throw new ConfigError(mistyped);
  return {
    storage,
    listeners,
    seal,
    ...(migrationSeal ? { migrationSeal } : {}),
    ...(dekCacheTtlMs !== undefined ? { dekCacheTtlMs } : {}),
    ...(kmsRewrap ? { kmsRewrap } : {}),
    apiAddr: raw.api_addr as string | undefined,
    ...(typeof raw.cluster_addr === 'string' ? { clusterAddr: raw.cluster_addr } : {}),
    ...(booleanOption(raw, 'disable_clustering', false, fail) ? { disableClustering: true } : {}),
    ui: truthy(raw.ui),
    logLevel: raw.log_level as string | undefined,
    logFormat: raw.log_format as string | undefined,
    maxRequestSize: maxRequestSize as number | undefined,
    // 0 means "the default", as in Vault.
    ...(defaultMaxRequestDurationMs ? { defaultMaxRequestDurationMs } : {}),
  };
}

type Fail = (needle: RegExp, message: string) => never;

/** `seal "local"`: the key from COFFER_LOCAL_MASTER_KEY or key_file, or `ephemeral = true` for a throwaway key. */
export interface LocalSealConfig {
  type: 'local';
  keyFile?: string;
  ephemeral?: boolean;
}

/** `seal "local" { key_file, ephemeral }`. */
function localSeal(body: Json, fail: Fail): LocalSealConfig {
  const line = (key: string) => new RegExp(`^\\s*"?${key}\\b`);
  if (body.key_file !== undefined && (typeof body.key_file !== 'string' || body.key_file === '')) fail(line('key_file'), 'seal "local": key_file must be a file path');
  if (body.ephemeral !== undefined && typeof body.ephemeral !== 'boolean' && body.ephemeral !== 'true' && body.ephemeral !== 'false') {
    fail(line('ephemeral'), `seal "local": ephemeral must be true or false, got ${JSON.stringify(body.ephemeral)}`);
  }
  const ephemeral = truthy(body.ephemeral);
  if (ephemeral && body.key_file !== undefined) fail(line('ephemeral'), 'seal "local": ephemeral = true and key_file exclude each other');
  return { type: 'local', ...(typeof body.key_file === 'string' ? { keyFile: body.key_file } : {}), ...(ephemeral ? { ephemeral: true } : {}) };
}

/** `kms_rewrap { enabled = true, max_per_sec = 50, interval = "1m" }`. */
function kmsRewrapSettings(value: unknown, fail: Fail): RewrapSettings {
  const stanzas = Array.isArray(value) ? value : [value];
  if (stanzas.length !== 1 || typeof stanzas[0] !== 'object' || stanzas[0] === null) fail(/^\s*"?kms_rewrap\b/, 'kms_rewrap must be one block');
  const body = stanzas[0] as Json;
  const line = (key: string) => new RegExp(`^\\s*"?${key}\\b`);
  const settings = { ...DEFAULT_REWRAP };
  if (body.enabled !== undefined) {
    if (typeof body.enabled !== 'boolean') fail(line('enabled'), `kms_rewrap: enabled must be true or false, got ${JSON.stringify(body.enabled)}`);
    settings.enabled = body.enabled as boolean;
  }
  if (body.max_per_sec !== undefined) {
    const rate = body.max_per_sec;
    if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0) fail(line('max_per_sec'), `kms_rewrap: max_per_sec must be a positive number, got ${JSON.stringify(rate)}`);
    settings.maxPerSec = rate as number;
  }
  if (body.interval !== undefined) {
    const ms = parseDurationMs(body.interval);
    if (ms === undefined || ms < 1000) fail(line('interval'), `kms_rewrap: interval must be a duration of at least 1s such as "1m", got ${JSON.stringify(body.interval)}`);
    settings.intervalMs = ms!;
  }
  return settings;
}

/** A listener's TLS options (Vault's tcp listener tls_* parameters), checked. */
function listenerTls(body: Json, fail: Fail): Partial<ListenerConfig> {
  const version = (key: string, fallback: SecureVersion): SecureVersion => {
    const value = body[key];
    if (value === undefined || value === '') return fallback;
    const node = typeof value === 'string' ? TLS_VERSIONS[value] : undefined;
    if (!node) return fail(new RegExp(`^\\s*"?${key}\\b`), `${key} must be one of tls10, tls11, tls12, tls13, got ${JSON.stringify(value)}`);
    return node;
  };
  const tlsMinVersion = version('tls_min_version', 'TLSv1.2');
  const tlsMaxVersion = version('tls_max_version', 'TLSv1.3');
  if (compareTlsVersions(tlsMinVersion, tlsMaxVersion) > 0) {
    fail(/^\s*"?tls_max_version\b/, `tls_max_version (${String(body.tls_max_version)}) is older than tls_min_version (${String(body.tls_min_version ?? 'tls12')})`);
  }
  const out: Partial<ListenerConfig> = { tlsMinVersion, tlsMaxVersion };
  const suites = body.tls_cipher_suites;
  if (suites !== undefined && suites !== '') {
    if (typeof suites !== 'string') fail(/^\s*"?tls_cipher_suites\b/, 'tls_cipher_suites must be a comma-separated string');
    try {
      out.tlsCiphers = opensslCipherList(suites as string);
    } catch (err) {
      fail(/^\s*"?tls_cipher_suites\b/, `tls_cipher_suites: ${(err as Error).message}`);
    }
  }
  out.tlsRequireAndVerifyClientCert = truthy(body.tls_require_and_verify_client_cert);
  out.tlsDisableClientCerts = truthy(body.tls_disable_client_certs);
  if (out.tlsRequireAndVerifyClientCert && out.tlsDisableClientCerts) {
    fail(/^\s*"?tls_disable_client_certs\b/, "'tls_disable_client_certs' and 'tls_require_and_verify_client_cert' are mutually exclusive");
  }
  const caFile = body.tls_client_ca_file;
  if (caFile !== undefined && caFile !== '') {
    if (typeof caFile !== 'string') fail(/^\s*"?tls_client_ca_file\b/, 'tls_client_ca_file must be a file path');
    out.tlsClientCaFile = caFile as string;
  }
  return out;
}

/** A listener's max_request_size and max_request_duration, checked. */
function listenerLimits(body: Json, fail: Fail): Partial<ListenerConfig> {
  const out: Partial<ListenerConfig> = {};
  const size = body.max_request_size;
  if (size !== undefined) {
    if (!Number.isSafeInteger(size)) fail(/^\s*"?max_request_size\b/, `max_request_size must be an integer number of bytes, got ${JSON.stringify(size)}`);
    // 0 means "the default" (32 MiB), as in Vault; negative turns the limit off.
    if (size !== 0) out.maxRequestSize = size as number;
  }
  const duration = body.max_request_duration;
  if (duration !== undefined) {
    const ms = parseDurationMs(duration);
    if (ms === undefined || ms < 0) {
      fail(/^\s*"?max_request_duration\b/, `max_request_duration must be a duration such as "90s", got ${JSON.stringify(duration)}`);
    }
    if (ms) out.maxRequestDurationMs = ms;
  }
  return out;
}

async function parseSyntax(file: string, text: string): Promise<Json> {
  const isJson = file.endsWith('.json') || text.trimStart().startsWith('{');
  try {
    const raw: unknown = isJson ? JSON.parse(text) : await parseHcl(file, text);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('top level must be an object');
    return raw as Json;
  } catch (err) {
    const message = (err as Error).message.replace(/^parse config: \[(.*)\]$/s, '$1');
    if (isJson) throw new ConfigError(`${file}${jsonLine(text, message)}: invalid JSON: ${message}`);
    throw new ConfigError(message.startsWith(file) ? message : `${file}: ${message}`);
  }
}

/**
 * The line of a JSON syntax error. Node 20's JSON.parse names a position only for some errors, so
 * otherwise the (JSON-superset) YAML parser locates the first error.
 */
function jsonLine(text: string, message: string): string {
  const position = /position (\d+)/.exec(message)?.[1];
  if (position) return `:${text.slice(0, Number(position)).split('\n').length}`;
  const line = parseDocument(text).errors[0]?.linePos?.[0]?.line;
  return line ? `:${line}` : '';
}

/** A loosely written boolean (seal `disabled = "true"`): true, 1, or any of Go's ParseBool true spellings. */
const truthy = (v: unknown) => v === true || v === 1 || (typeof v === 'string' && parseBoolText(v) === true);
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** How the option parsers below report a problem: the line matching `needle`, and the message. */
type ConfigFail = (needle: RegExp, message: string) => never;

/**
 * `storage "etcd" { endpoints, prefix, ha_enabled, username, password, tls_ca_file, tls_cert_file,
 * tls_key_file }`. Endpoints are a list or a comma-separated string (as Vault's "address").
 */
function etcdStorage(body: Json, fail: ConfigFail): EtcdStorageConfig {
  const line = (key: string) => new RegExp(`^\\s*"?${escape(key)}\\b`);
  const written = body.endpoints ?? body.address;
  const endpoints = (typeof written === 'string' ? written.split(',') : Array.isArray(written) ? written : [])
    .map((e: unknown) => (typeof e === 'string' ? e.trim() : ''))
    .filter((e) => e !== '');
  if (endpoints.length === 0) fail(line('storage'), 'storage "etcd" needs "endpoints" (a list of http(s)://host:port)');
  for (const endpoint of endpoints) {
    if (!/^https?:\/\/[^\s/]+:\d{1,5}\/?$/.test(endpoint)) fail(line('endpoints'), `etcd endpoint must be http(s)://host:port, got ${JSON.stringify(endpoint)}`);
  }
  const config: EtcdStorageConfig = { type: 'etcd', endpoints, haEnabled: booleanOption(body, 'ha_enabled', false, fail) };
  const prefix = body.prefix ?? body.path;
  if (prefix !== undefined) {
    if (typeof prefix !== 'string' || prefix === '') fail(line('prefix'), 'storage "etcd" prefix must be a non-empty string');
    config.prefix = (prefix as string).endsWith('/') ? (prefix as string) : `${prefix as string}/`;
  }
  const strings = { username: 'username', password: 'password', tls_ca_file: 'tlsCaFile', tls_cert_file: 'tlsCertFile', tls_key_file: 'tlsKeyFile' } as const;
  for (const [key, field] of Object.entries(strings)) {
    const value = body[key];
    if (value === undefined) continue;
    if (typeof value !== 'string') fail(line(key), `storage "etcd" ${key} must be a string`);
    config[field] = value as string;
  }
  if (config.password !== undefined && config.username === undefined) fail(line('password'), 'storage "etcd" password needs a username');
  if ((config.tlsCertFile === undefined) !== (config.tlsKeyFile === undefined)) fail(line('tls_cert_file'), 'storage "etcd" needs both tls_cert_file and tls_key_file, or neither');
  if ((config.tlsCertFile !== undefined || endpoints.some((e) => e.startsWith('https:'))) && config.tlsCaFile === undefined) {
    fail(line('tls_ca_file'), 'storage "etcd" over TLS (https endpoints, client certificates) needs tls_ca_file');
  }
  return config;
}

/**
 * A listener's client-address rules: Vault's trusted proxies (x_forwarded_for_*) and Coffer's
 * secret_read_allowed_cidrs. A list is an HCL/JSON list or a comma-separated string; an entry that
 * is not a CIDR block or address stops the load, naming its line: an allowlist is never half-read.
 */
function clientAddressSettings(body: Json, fail: ConfigFail): ListenerSettings {
  const settings: ListenerSettings = {};
  const authorizedAddrs = cidrListOption(body, 'x_forwarded_for_authorized_addrs', fail);
  if (authorizedAddrs && authorizedAddrs.length > 0) {
    const written = body.x_forwarded_for_hop_skips ?? 0;
    const hopSkips = typeof written === 'string' && /^\s*\d+\s*$/.test(written) ? Number(written) : written;
    if (!Number.isSafeInteger(hopSkips) || (hopSkips as number) < 0) {
      fail(/^\s*"?x_forwarded_for_hop_skips\b/, `x_forwarded_for_hop_skips must be a non-negative integer, got ${JSON.stringify(written)}`);
    }
    settings.forwardedFor = {
      authorizedAddrs,
      hopSkips: hopSkips as number,
      rejectNotAuthorized: booleanOption(body, 'x_forwarded_for_reject_not_authorized', true, fail),
      rejectNotPresent: booleanOption(body, 'x_forwarded_for_reject_not_present', true, fail),
    };
  }
  const secretReadAllowedCidrs = cidrListOption(body, 'secret_read_allowed_cidrs', fail);
  if (secretReadAllowedCidrs) settings.secretReadAllowedCidrs = secretReadAllowedCidrs;
  return settings;
}

/** A list of CIDR blocks (or addresses), canonical; undefined when the key is absent. */
function cidrListOption(body: Json, key: string, fail: ConfigFail): string[] | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  const keyLine = new RegExp(`^\\s*"?${escape(key)}\\b`);
  const entries: unknown[] = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : fail(keyLine, `${key} must be a list of CIDR blocks`);
  return entries
    .filter((entry) => typeof entry !== 'string' || entry.trim() !== '')
    .map((entry) => {
      const block = typeof entry === 'string' ? canonicalListenerCidr(entry) : undefined;
      if (block !== undefined) return block;
      const shown = typeof entry === 'string' ? entry.trim() : JSON.stringify(entry);
      // The line holding the entry itself (a list may span lines), the entry standing alone there.
      const entryLine = new RegExp(`(^|[\\s"',[])${escape(shown)}($|[\\s"',\\]])`);
      return fail(typeof entry === 'string' && shown !== '' ? entryLine : keyLine, `invalid CIDR block ${JSON.stringify(shown)} in ${key}`);
    });
}

/** A boolean option written as true/false or "true"/"false" (Vault takes both). */
function booleanOption(body: Json, key: string, fallback: boolean, fail: ConfigFail): boolean {
  const value = body[key];
  if (value === undefined) return fallback;
  const parsed = typeof value === 'boolean' ? value : typeof value === 'string' ? parseBoolText(value) : undefined;
  if (parsed !== undefined) return parsed;
  return fail(new RegExp(`^\\s*"?${escape(key)}\\b`), `${key} must be true or false, got ${JSON.stringify(value)}`);
}

/**
 * A listener's `telemetry { unauthenticated_metrics_access = true }` (Vault): sys/metrics is served
 * on that listener without a token.
 */
function unauthenticatedMetricsAccess(body: Json, fail: Fail): boolean {
  const telemetry = body.telemetry;
  if (telemetry === undefined) return false;
  const stanzas = Array.isArray(telemetry) ? telemetry : [telemetry];
  let allowed = false;
  for (const stanza of stanzas) {
    if (typeof stanza !== 'object' || stanza === null) return fail(/^\s*"?telemetry\b/, 'listener telemetry must be a block');
    const value = (stanza as Json).unauthenticated_metrics_access;
    if (value === undefined) continue;
    if (value !== true && value !== false && value !== 'true' && value !== 'false') {
      fail(/^\s*"?unauthenticated_metrics_access\b/, `unauthenticated_metrics_access must be true or false, got ${JSON.stringify(value)}`);
    }
    allowed = value === true || value === 'true';
  }
  return allowed;
}

const sealOptionLine = (key: string) => new RegExp(`^\\s*"?${escape(key)}\\b`);

function sealString(type: string, body: Json, key: string, fail: Fail): string | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') return fail(sealOptionLine(key), `seal "${type}": ${key} must be a non-empty string`);
  return value;
}

/** `seal "awskms" { region, kms_key_id, endpoint }`; credentials come from the standard AWS environment. */
function awsKmsSeal(body: Json, fail: Fail): AwsKmsSealConfig {
  const kmsKeyId = sealString('awskms', body, 'kms_key_id', fail);
  if (!kmsKeyId) return fail(/seal\W+awskms/, 'seal "awskms" needs kms_key_id (the id, ARN or alias of a symmetric KMS key)');
  const region = sealString('awskms', body, 'region', fail);
  const endpoint = sealString('awskms', body, 'endpoint', fail);
  if (endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(endpoint)) {
    fail(sealOptionLine('endpoint'), `seal "awskms": endpoint must be an http(s) URL, got ${JSON.stringify(endpoint)}`);
  }
  return { type: 'awskms', kmsKeyId, ...(region ? { region } : {}), ...(endpoint ? { endpoint } : {}) };
}

/** `seal "pkcs11" { lib, slot | token_label, pin, key_label, mechanism, generate_key }`. */
function pkcs11Seal(body: Json, fail: Fail): Pkcs11SealConfig {
  const lib = sealString('pkcs11', body, 'lib', fail);
  if (!lib) return fail(/seal\W+pkcs11/, 'seal "pkcs11" needs lib (the path of the PKCS#11 library)');
  const keyLabel = sealString('pkcs11', body, 'key_label', fail);
  if (!keyLabel) return fail(/seal\W+pkcs11/, 'seal "pkcs11" needs key_label');
  const tokenLabel = sealString('pkcs11', body, 'token_label', fail);
  // Vault takes the slot id as a number or a string, decimal or 0x hex.
  const rawSlot = body.slot;
  let slot: number | undefined;
  if (rawSlot !== undefined) {
    const text = typeof rawSlot === 'string' ? rawSlot.trim() : '';
    slot = typeof rawSlot === 'number' ? rawSlot : /^(0x[0-9a-f]+|\d+)$/i.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(slot) || slot < 0) fail(sealOptionLine('slot'), `seal "pkcs11": slot must be a slot id (a non-negative integer), got ${JSON.stringify(rawSlot)}`);
  }
  if ((slot === undefined) === (tokenLabel === undefined)) fail(/seal\W+pkcs11/, 'seal "pkcs11" needs exactly one of slot and token_label');
  const pin = sealString('pkcs11', body, 'pin', fail);
  const mechanism = body.mechanism ?? 'CKM_AES_GCM';
  if (!(PKCS11_MECHANISMS as readonly unknown[]).includes(mechanism)) {
    fail(sealOptionLine('mechanism'), `seal "pkcs11": mechanism must be one of ${PKCS11_MECHANISMS.join(', ')}, got ${JSON.stringify(mechanism)}`);
  }
  const generateKey = body.generate_key;
  if (generateKey !== undefined && generateKey !== true && generateKey !== false && generateKey !== 'true' && generateKey !== 'false') {
    fail(sealOptionLine('generate_key'), `seal "pkcs11": generate_key must be true or false, got ${JSON.stringify(generateKey)}`);
  }
  return {
    type: 'pkcs11',
    lib,
    ...(slot !== undefined ? { slot } : {}),
    ...(tokenLabel !== undefined ? { tokenLabel } : {}),
    ...(pin !== undefined ? { pin } : {}),
    keyLabel,
    mechanism: mechanism as Pkcs11SealConfig['mechanism'],
    generateKey: truthy(generateKey),
  };
}

/** `seal "transit" {...}`, checked by the transit KMS's parser; an error naming an option points at that option's line. */
function transitSeal(body: Json, fail: Fail): TransitSealConfig {
  try {
    return parseTransitSeal(body);
  } catch (err) {
    const message = (err as Error).message;
    const option = Object.keys(body).find((key) => message.includes(`"${key}"`) || message.includes(` ${key} `));
    return fail(option ? new RegExp(`^\\s*"?${escape(option)}\\b`) : /seal\W+transit/, message);
  }
}
