import { randomBytes } from 'node:crypto';
import { invalidRequest } from '../../framework/errors.js';
import { ConditionFailed, type MountStorage } from '../../framework/types.js';
import type { KeyType } from './cipher.js';

/** One version of a named key: 32 random bytes, kept only in the mount's barrier-encrypted storage. */
interface KeyVersion {
  key: string; // base64
  created: number; // unix seconds, as Vault reports it
}

/** A named key and its versions (Vault's keysutil.Policy, reduced to what this engine supports). */
export interface KeyPolicy {
  name: string;
  type: KeyType;
  latest_version: number;
  min_decryption_version: number;
  min_encryption_version: number;
  deletion_allowed: boolean;
  versions: Record<string, KeyVersion>;
}

const KEY_BYTES = 32;
/** Vault keeps transit keys under "policy/<name>"; so does this engine. */
const policyKey = (name: string) => `policy/${name}`;
/** Vault's framework.GenericNameRegex. */
const NAME = /^\w(?:[\w.-]*\w)?$/;
const MAX_ATTEMPTS = 20;

/** The key name from the URL; names Vault's router would not accept get a 400. */
export function checkedKeyName(name: string): string {
  if (!NAME.test(name)) throw invalidRequest(`invalid key name "${name}"`);
  return name;
}

export async function loadPolicy(store: MountStorage, name: string): Promise<KeyPolicy | undefined> {
  return store.get<KeyPolicy>(policyKey(name));
}

/** Names of every key, sorted. */
export async function listPolicies(store: MountStorage): Promise<string[]> {
  return (await store.list('policy/')).filter((k) => !k.endsWith('/')).sort();
}

export async function deletePolicy(store: MountStorage, name: string): Promise<void> {
  await store.delete(policyKey(name));
}

function newVersion(): KeyVersion {
  return { key: randomBytes(KEY_BYTES).toString('base64'), created: Math.floor(Date.now() / 1000) };
}

/** Creates a key with one version unless it exists; answers the key as stored (an existing one wins). */
export async function createPolicy(store: MountStorage, name: string, type: KeyType): Promise<KeyPolicy> {
  const policy: KeyPolicy = {
    name,
    type,
    latest_version: 1,
    min_decryption_version: 1,
    min_encryption_version: 0,
    deletion_allowed: false,
    versions: { '1': newVersion() },
  };
  try {
    await store.transaction([{ type: 'put', key: policyKey(name), value: policy }], [{ type: 'absent', key: policyKey(name) }]);
    return policy;
  } catch (err) {
    if (!(err instanceof ConditionFailed)) throw err;
    const existing = await loadPolicy(store, name);
    if (!existing) throw err;
    return existing;
  }
}

/**
 * Read-decide-write on one key, atomically: `change` edits a fresh copy (or throws a 400), and the
 * write holds only if nobody changed the key since it was read; otherwise it runs again.
 */
export async function updatePolicy(store: MountStorage, name: string, change: (policy: KeyPolicy) => void): Promise<KeyPolicy> {
  for (let attempt = 1; ; attempt++) {
    const current = await store.getVersioned<KeyPolicy>(policyKey(name));
    if (!current) throw invalidRequest('encryption key not found');
    const policy = structuredClone(current.value);
    change(policy);
    try {
      await store.transaction([{ type: 'put', key: policyKey(name), value: policy }], [{ type: 'version', key: policyKey(name), version: current.version }]);
      return policy;
    } catch (err) {
      if (!(err instanceof ConditionFailed) || attempt >= MAX_ATTEMPTS) throw err;
    }
  }
}

/** Adds a new latest version (keys/:name/rotate); older versions stay for decryption. */
export function rotate(policy: KeyPolicy): void {
  policy.latest_version += 1;
  policy.versions[String(policy.latest_version)] = newVersion();
}

/** The raw key of one version; the caller zeroizes it after use. */
export function versionKey(policy: KeyPolicy, version: number): Buffer {
  const entry = policy.versions[String(version)];
  if (!entry) throw invalidRequest('invalid ciphertext: version is too new');
  return Buffer.from(entry.key, 'base64');
}

/** The version an encryption uses: the requested one (0 = latest) within the key's limits, as Vault checks them. */
export function encryptionVersion(policy: KeyPolicy, requested: number): number {
  if (requested === 0) return policy.latest_version;
  if (requested < 0) throw invalidRequest('invalid key version');
  if (requested < policy.min_encryption_version) throw invalidRequest('requested version for encryption is less than the minimum encryption key version');
  if (requested < policy.min_decryption_version) throw invalidRequest('requested version for encryption is less than the minimum decryption key version');
  if (requested > policy.latest_version) throw invalidRequest('requested version for encryption is higher than the latest key version');
  return requested;
}

/** Refuses a ciphertext version the key cannot or may not open (Vault's messages). */
export function checkDecryptionVersion(policy: KeyPolicy, version: number): void {
  if (version > policy.latest_version) throw invalidRequest('invalid ciphertext: version is too new');
  if (version < policy.min_decryption_version) throw invalidRequest('ciphertext or signature version is disallowed by policy (too old)');
}

/** The key as keys/:name answers it (Vault's read shape for a symmetric key). */
export function describePolicy(policy: KeyPolicy): Record<string, unknown> {
  const keys: Record<string, number> = {};
  // Versions below min_decryption_version are archived: Vault leaves them out of the read.
  for (let v = policy.min_decryption_version; v <= policy.latest_version; v++) {
    const entry = policy.versions[String(v)];
    if (entry) keys[String(v)] = entry.created;
  }
  return {
    name: policy.name,
    type: policy.type,
    keys,
    latest_version: policy.latest_version,
    min_available_version: 0,
    min_decryption_version: policy.min_decryption_version,
    min_encryption_version: policy.min_encryption_version,
    deletion_allowed: policy.deletion_allowed,
    derived: false,
    exportable: false,
    allow_plaintext_backup: false,
    auto_rotate_period: 0,
    imported_key: false,
    supports_encryption: true,
    supports_decryption: true,
    supports_derivation: true,
    supports_signing: false,
  };
}
