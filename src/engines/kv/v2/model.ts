import type { MountStorage } from '../../../framework/types.js';
import type { VersionSealer, StoredVersion } from './sealing.js';
import { formatTimestamp, isBefore } from './time.js';

/**
 * Storage layout of a KV v2 mount (keys relative to the mount):
 *   config                      MountConfig
 *   metadata/<path>             KeyMetadata: versions' bookkeeping, never secret values
 *   versions/<path>/<version>   StoredVersion: one entry per version, sealed under its own data key
 *                               (ciphertext, wrapped_dek, kms_key_id); destroy deletes the entry
 * The user's path stays readable in keys (listing needs it); secret values only ever live in entry values.
 * A path never ends in "/" and a version is the last segment, so version keys of "a" and "a/1" cannot collide.
 */
export const CONFIG_KEY = 'config';
export const METADATA_PREFIX = 'metadata/';
export const metadataKey = (path: string) => `${METADATA_PREFIX}${path}`;
export const versionKey = (path: string, version: number) => `versions/${path}/${version}`;

/** Versions kept when neither the mount nor the key sets max_versions. */
export const DEFAULT_MAX_VERSIONS = 10;

/** Mount-wide settings (`config`). */
export interface MountConfig {
  max_versions: number;
  cas_required: boolean;
  /** Seconds; 0 = not set, negative = disabled for every key. */
  delete_version_after: number;
}

/** Bookkeeping of one version, kept inside its key's metadata. */
export interface VersionMeta {
  created_time: string;
  /** "" while not deleted; may lie in the future when delete_version_after scheduled it. */
  deletion_time: string;
  destroyed: boolean;
}

/** Everything about a secret path except its data. */
export interface KeyMetadata {
  created_time: string;
  updated_time: string;
  current_version: number;
  oldest_version: number;
  max_versions: number;
  cas_required: boolean;
  /** Seconds; 0 = use the mount's. */
  delete_version_after: number;
  custom_metadata: Record<string, string> | null;
  versions: Record<string, VersionMeta>;
}

/** The mount's config, with Vault's zero values when never written. */
export async function loadConfig(store: MountStorage): Promise<MountConfig> {
  const stored = await store.get<MountConfig>(CONFIG_KEY);
  return { max_versions: 0, cas_required: false, delete_version_after: 0, ...stored };
}

/** The path's metadata, or undefined when the path has none. */
export function loadMetadata(store: MountStorage, path: string): Promise<KeyMetadata | undefined> {
  return store.get<KeyMetadata>(metadataKey(path));
}

/** Metadata for a path that has never been written. */
export function emptyMetadata(createdTime = ''): KeyMetadata {
  return {
    created_time: createdTime,
    updated_time: createdTime,
    current_version: 0,
    oldest_version: 0,
    max_versions: 0,
    cas_required: false,
    delete_version_after: 0,
    custom_metadata: null,
    versions: {},
  };
}

/** Whether a version's data may be served: neither destroyed nor past its deletion time. */
export function isLive(version: VersionMeta, nowMs: number): boolean {
  return !version.destroyed && !isBefore(version.deletion_time, nowMs);
}

/** The per-version metadata block of data reads and writes (Vault's `metadata` / write response). */
export function describeVersion(meta: KeyMetadata, version: number): Record<string, unknown> {
  const entry = meta.versions[version];
  return {
    created_time: entry?.created_time ?? '',
    custom_metadata: meta.custom_metadata,
    deletion_time: entry?.deletion_time ?? '',
    destroyed: entry?.destroyed ?? false,
    version,
  };
}

/**
 * When a version written at `createdMs` is to be deleted: after the smaller non-zero of the mount's
 * and the key's delete_version_after, or never ("") when neither is set or the mount disabled it.
 */
export function scheduledDeletion(createdMs: number, config: MountConfig, meta: KeyMetadata): string {
  if (config.delete_version_after < 0) return '';
  const candidates = [config.delete_version_after, meta.delete_version_after].filter((s) => s > 0);
  if (candidates.length === 0) return '';
  return formatTimestamp(createdMs + Math.min(...candidates) * 1000);
}

/**
 * Adds the next version to `meta` (mutating it) and slides the max_versions window the way Vault does:
 * the larger of the key's and the mount's max_versions wins, 10 when neither is set. Returns the new
 * version number and the versions that fell out of the window, whose data must be deleted.
 */
export function addVersion(
  meta: KeyMetadata,
  config: MountConfig,
  nowMs: number,
): { version: number; pruned: number[] } {
  const created = formatTimestamp(nowMs);
  const version = meta.current_version + 1;
  meta.versions[version] = { created_time: created, deletion_time: scheduledDeletion(nowMs, config, meta), destroyed: false };
  meta.current_version = version;
  meta.updated_time = created;
  if (!meta.created_time) meta.created_time = created;

  const maxVersions = Math.max(meta.max_versions, config.max_versions) || DEFAULT_MAX_VERSIONS;
  const pruned: number[] = [];
  if (version - meta.oldest_version >= maxVersions) {
    const cutoff = version - maxVersions;
    for (const number of Object.keys(meta.versions).map(Number)) {
      if (number > cutoff) continue;
      delete meta.versions[number];
      pruned.push(number);
    }
    meta.oldest_version = cutoff + 1;
  }
  return { version, pruned };
}

/** One version as a read finds it: no such version, deleted or destroyed (with its metadata), or live. */
export type VersionRead =
  | { state: 'missing' }
  | { state: 'gone'; metadata: Record<string, unknown> }
  | { state: 'live'; metadata: Record<string, unknown>; data: Record<string, unknown> };

/** Reads a version (0: the current one) the way data and subkeys reads both need it. */
export async function readVersion(
  store: MountStorage,
  sealer: VersionSealer,
  path: string,
  requested: number,
  nowMs: number,
): Promise<VersionRead> {
  const meta = await loadMetadata(store, path);
  if (!meta) return { state: 'missing' };
  const version = requested || meta.current_version;
  const entry = meta.versions[version];
  if (!entry) return { state: 'missing' };
  const metadata = describeVersion(meta, version);
  if (!isLive(entry, nowMs)) return { state: 'gone', metadata };
  const stored = await store.get<StoredVersion>(versionKey(path, version));
  // Destroyed or pruned between the two reads: answer as for a destroyed version.
  if (!stored) return { state: 'gone', metadata: { ...metadata, destroyed: true } };
  return { state: 'live', metadata, data: await sealer.open(path, version, stored) };
}
