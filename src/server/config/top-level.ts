import type { RewrapSettings } from '../../core/rewrap/worker.js';
import { parseDurationMs } from '../../framework/duration.js';
import { parseLogFormat, parseLogLevel } from '../logging.js';
import { kmsRewrapStanza } from './kms-rewrap.js';
import type { BlockAt } from './problem.js';
import type { StorageConfig } from './storage.js';
import type { Json } from './syntax.js';
import { checkTelemetryStanza } from './telemetry.js';

/** The keys at the top of the file, as ServerConfig carries them. */
export interface TopLevelOptions {
  apiAddr?: string;
  /** cluster_addr: reported as this node's cluster address (sys/leader, sys/ha-status); no cluster port is opened. */
  clusterAddr?: string;
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

const httpUrl = /^https?:\/\/[^\s/]+\/?$/;

/**
 * The keys at the top of the file, with the telemetry and kms_rewrap stanzas; `storage` (and the
 * block it is written in) for the rule that ties HA storage to api_addr.
 */
export function topLevelOptions(raw: Json, top: BlockAt, storage: { storage: StorageConfig; at: BlockAt }): TopLevelOptions {
  for (const key of ['api_addr', 'cluster_addr', 'log_level', 'log_format'] as const) {
    if (raw[key] !== undefined && typeof raw[key] !== 'string') top.fail(key, `${key} must be a string`);
  }
  // HA: standbys forward to the active node at the api_addr it announces in the election.
  if (storage.storage.type === 'etcd' && storage.storage.haEnabled && !(typeof raw.api_addr === 'string' && httpUrl.test(raw.api_addr))) {
    const message = 'storage "etcd" with ha_enabled = true needs api_addr: this node\'s address for clients, e.g. "http://10.0.0.5:8200" (standbys forward requests to it)';
    if (raw.api_addr === undefined) storage.at.fail('ha_enabled', message);
    top.fail('api_addr', message);
  }
  if (typeof raw.cluster_addr === 'string' && !httpUrl.test(raw.cluster_addr)) {
    top.fail('cluster_addr', `cluster_addr must be a URL such as "https://10.0.0.5:8201", got ${JSON.stringify(raw.cluster_addr)}`);
  }
  if (typeof raw.log_level === 'string' && !parseLogLevel(raw.log_level)) {
    top.fail('log_level', `log_level must be one of trace, debug, info, warn, error, got ${JSON.stringify(raw.log_level)}`);
  }
  if (typeof raw.log_format === 'string' && !parseLogFormat(raw.log_format)) {
    top.fail('log_format', `log_format must be "json" or "standard", got ${JSON.stringify(raw.log_format)}`);
  }
  checkTelemetryStanza(raw, top);
  const maxRequestSize = raw.max_request_size;
  if (maxRequestSize !== undefined && !(Number.isSafeInteger(maxRequestSize) && (maxRequestSize as number) > 0)) {
    top.fail('max_request_size', 'max_request_size must be a positive integer');
  }
  const defaultMaxRequestDuration = raw.default_max_request_duration;
  const defaultMaxRequestDurationMs = defaultMaxRequestDuration === undefined ? undefined : parseDurationMs(defaultMaxRequestDuration);
  if (defaultMaxRequestDuration !== undefined && !(defaultMaxRequestDurationMs !== undefined && defaultMaxRequestDurationMs >= 0)) {
    top.fail('default_max_request_duration', `default_max_request_duration must be a duration such as "90s", got ${JSON.stringify(defaultMaxRequestDuration)}`);
  }
  const dekCacheTtl = raw.dek_cache_ttl;
  const dekCacheTtlMs = dekCacheTtl === undefined ? undefined : parseDurationMs(dekCacheTtl);
  if (dekCacheTtl !== undefined && !(dekCacheTtlMs !== undefined && dekCacheTtlMs >= 0)) {
    top.fail('dek_cache_ttl', `dek_cache_ttl must be a duration such as "5m" (0 disables the cache), got ${JSON.stringify(dekCacheTtl)}`);
  }
  const kmsRewrap = kmsRewrapStanza(raw, top);
  return {
    apiAddr: raw.api_addr as string | undefined,
    ...(typeof raw.cluster_addr === 'string' ? { clusterAddr: raw.cluster_addr } : {}),
    logLevel: raw.log_level as string | undefined,
    logFormat: raw.log_format as string | undefined,
    maxRequestSize: maxRequestSize as number | undefined,
    // 0 means "the default", as in Vault.
    ...(defaultMaxRequestDurationMs ? { defaultMaxRequestDurationMs } : {}),
    ...(dekCacheTtlMs !== undefined ? { dekCacheTtlMs } : {}),
    ...(kmsRewrap ? { kmsRewrap } : {}),
  };
}
