import { randomUUID } from 'node:crypto';
import { invalidRequest } from '../../framework/errors.js';
import { ConditionFailed, type MountStorage } from '../../framework/types.js';
import type { Hasher } from './hasher.js';
import type { RoleEntry } from './role-store.js';

/** A secret ID as stored: under the HMAC of the secret, which appears nowhere else. */
export interface SecretIdEntry {
  /** HMAC of the secret ID (also the last segment of its key); login compares it in constant time. */
  hash: string;
  accessor: string;
  /** Uses left; 0 = unlimited. */
  numUses: number;
  /** Seconds the secret ID was issued for; 0 = no expiry. */
  ttl: number;
  creationTime: string;
  /** ISO time, or '' when it never expires. */
  expirationTime: string;
  lastUpdatedTime: string;
  metadata: Record<string, string>;
  cidrList: string[];
  tokenBoundCidrs: string[];
}

/** Maps an accessor (by its HMAC) to the secret ID's HMAC. */
interface AccessorEntry {
  accessor: string;
  secretIdHash: string;
}

export interface SecretIdSpec {
  numUses: number;
  ttl: number;
  metadata: Record<string, string>;
  cidrList: string[];
  tokenBoundCidrs: string[];
}

export interface FoundSecretId {
  entry: SecretIdEntry;
  version: number;
}

/** Go's zero time, which Vault answers for a secret ID that never expires. */
const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

export const SECRET_ID_ROOT = 'secret_id/';
export const ACCESSOR_ROOT = 'accessor/';
export const secretIdFolder = (roleUuid: string) => `${SECRET_ID_ROOT}${roleUuid}/`;
export const accessorFolder = (roleUuid: string) => `${ACCESSOR_ROOT}${roleUuid}/`;
const secretKey = (role: RoleEntry, hash: string) => secretIdFolder(role.id) + hash;
const accessorKey = (role: RoleEntry, hasher: Hasher, accessor: string) => accessorFolder(role.id) + hasher.hash('accessor', accessor);

/**
 * Stores a new secret ID and its accessor in one transaction, both conditioned on being absent, so
 * a custom secret ID that is already registered is refused instead of overwritten.
 */
export async function registerSecretId(
  store: MountStorage,
  hasher: Hasher,
  role: RoleEntry,
  secretId: string,
  spec: SecretIdSpec,
): Promise<SecretIdEntry> {
  const now = new Date();
  const hash = hasher.hash('secret_id', secretId);
  const entry: SecretIdEntry = {
    hash,
    accessor: randomUUID(),
    numUses: spec.numUses,
    ttl: spec.ttl,
    creationTime: now.toISOString(),
    expirationTime: spec.ttl > 0 ? new Date(now.getTime() + spec.ttl * 1000).toISOString() : '',
    lastUpdatedTime: now.toISOString(),
    metadata: spec.metadata,
    cidrList: spec.cidrList,
    tokenBoundCidrs: spec.tokenBoundCidrs,
  };
  const key = secretKey(role, hash);
  const indexKey = accessorKey(role, hasher, entry.accessor);
  const index: AccessorEntry = { accessor: entry.accessor, secretIdHash: hash };
  try {
    await store.transaction(
      [
        { type: 'put', key, value: entry },
        { type: 'put', key: indexKey, value: index },
      ],
      [
        { type: 'absent', key },
        { type: 'absent', key: indexKey },
      ],
    );
  } catch (err) {
    if (err instanceof ConditionFailed && err.key === store.keyOf(key)) throw invalidRequest('secret_id is already registered');
    throw err;
  }
  return entry;
}

/** One read: the secret ID's entry is stored under its HMAC. */
export async function findBySecretId(store: MountStorage, hasher: Hasher, role: RoleEntry, secretId: string): Promise<FoundSecretId | undefined> {
  return findByHash(store, role, hasher.hash('secret_id', secretId));
}

export async function findByAccessor(store: MountStorage, hasher: Hasher, role: RoleEntry, accessor: string): Promise<FoundSecretId | undefined> {
  const index = await store.get<AccessorEntry>(accessorKey(role, hasher, accessor));
  return index && findByHash(store, role, index.secretIdHash);
}

async function findByHash(store: MountStorage, role: RoleEntry, hash: string): Promise<FoundSecretId | undefined> {
  const found = await store.getVersioned<SecretIdEntry>(secretKey(role, hash));
  return found && { entry: found.value, version: found.version };
}

export function isExpired(entry: SecretIdEntry, now = Date.now()): boolean {
  return entry.expirationTime !== '' && Date.parse(entry.expirationTime) <= now;
}

/**
 * Deletes a secret ID and its accessor together, if the entry is still the version read.
 * Returns false when another request changed or removed it first.
 */
export async function destroySecretId(store: MountStorage, hasher: Hasher, role: RoleEntry, found: FoundSecretId): Promise<boolean> {
  const key = secretKey(role, found.entry.hash);
  return conditionally(store.transaction(
    [
      { type: 'delete', key },
      { type: 'delete', key: accessorKey(role, hasher, found.entry.accessor) },
    ],
    [{ type: 'version', key, version: found.version }],
  ));
}

/**
 * Spends one use of a counted secret ID, conditioned on the version read: of concurrent logins,
 * each use is granted once. The last use deletes the secret ID (and its accessor). Returns false
 * when another request got there first; the caller reads again and decides again.
 */
export async function spendOneUse(store: MountStorage, hasher: Hasher, role: RoleEntry, found: FoundSecretId): Promise<boolean> {
  if (found.entry.numUses === 0) return true;
  if (found.entry.numUses === 1) return destroySecretId(store, hasher, role, found);
  const key = secretKey(role, found.entry.hash);
  const next: SecretIdEntry = { ...found.entry, numUses: found.entry.numUses - 1, lastUpdatedTime: new Date().toISOString() };
  return conditionally(store.transaction([{ type: 'put', key, value: next }], [{ type: 'version', key, version: found.version }]));
}

async function conditionally(transaction: Promise<void>): Promise<boolean> {
  try {
    await transaction;
    return true;
  } catch (err) {
    if (err instanceof ConditionFailed) return false;
    throw err;
  }
}

/** The accessors of a role's secret IDs (LIST role/:name/secret-id). */
export async function listAccessors(store: MountStorage, role: RoleEntry): Promise<string[]> {
  const folder = accessorFolder(role.id);
  const accessors: string[] = [];
  for (const child of await store.list(folder)) {
    const index = await store.get<AccessorEntry>(folder + child);
    if (index) accessors.push(index.accessor);
  }
  return accessors.sort();
}

/** Vault's lookup answer: the secret ID's properties, never the secret itself. */
export function describeSecretId(entry: SecretIdEntry): Record<string, unknown> {
  return {
    cidr_list: entry.cidrList,
    creation_time: entry.creationTime,
    expiration_time: entry.expirationTime || GO_ZERO_TIME,
    last_updated_time: entry.lastUpdatedTime,
    metadata: entry.metadata,
    secret_id_accessor: entry.accessor,
    secret_id_num_uses: entry.numUses,
    secret_id_ttl: entry.ttl,
    token_bound_cidrs: entry.tokenBoundCidrs,
  };
}

export interface TidyCounts {
  expired: number;
  danglingAccessors: number;
  danglingSecretIds: number;
  deletedRoles: number;
}

/**
 * Removes expired secret IDs, accessors whose secret ID is gone, secret IDs whose accessor is gone,
 * and everything left by deleted roles (auth/approle/tidy/secret-id).
 */
export async function tidySecretIds(store: MountStorage, hasher: Hasher, roles: RoleEntry[]): Promise<TidyCounts> {
  const counts: TidyCounts = { expired: 0, danglingAccessors: 0, danglingSecretIds: 0, deletedRoles: 0 };
  const live = new Map(roles.map((role) => [role.id, role]));
  const folders = new Set([...(await store.list(SECRET_ID_ROOT)), ...(await store.list(ACCESSOR_ROOT))].map((f) => f.replace(/\/$/, '')));
  for (const roleUuid of folders) {
    const role = live.get(roleUuid);
    if (role) {
      await tidyRole(store, hasher, role, counts);
    } else {
      await store.deleteTree(secretIdFolder(roleUuid));
      await store.deleteTree(accessorFolder(roleUuid));
      counts.deletedRoles += 1;
    }
  }
  return counts;
}

async function tidyRole(store: MountStorage, hasher: Hasher, role: RoleEntry, counts: TidyCounts): Promise<void> {
  const now = Date.now();
  for (const hash of await store.list(secretIdFolder(role.id))) {
    const found = await findByHash(store, role, hash);
    if (!found) continue;
    if (isExpired(found.entry, now)) {
      if (await destroySecretId(store, hasher, role, found)) counts.expired += 1;
    } else if (!(await store.get<AccessorEntry>(accessorKey(role, hasher, found.entry.accessor)))) {
      // Vault treats a secret ID without its accessor as revoked.
      if (await deleteIfUnchanged(store, secretKey(role, hash), found.version)) counts.danglingSecretIds += 1;
    }
  }
  const folder = accessorFolder(role.id);
  for (const child of await store.list(folder)) {
    const index = await store.getVersioned<AccessorEntry>(folder + child);
    if (!index || (await store.get(secretKey(role, index.value.secretIdHash)))) continue;
    if (await deleteIfUnchanged(store, folder + child, index.version)) counts.danglingAccessors += 1;
  }
}

function deleteIfUnchanged(store: MountStorage, key: string, version: number): Promise<boolean> {
  return conditionally(store.transaction([{ type: 'delete', key }], [{ type: 'version', key, version }]));
}
