import { invalidRequest } from '../../framework/errors.js';
import { ConditionFailed, type MountStorage } from '../../framework/types.js';
import { HMAC_KEY_SIZE, NAMED_CURVE, capabilities, isAsymmetric, isEcdsa, type KeyType } from './key-types.js';
import { derivedEd25519Key, ed25519PublicBytes, formattedPublicKey, newKeyVersion, type KeyVersion } from './key-material.js';

export type { KeyVersion } from './key-material.js';

/** When a key was last backed up or restored, and at which latest version (Vault's backup_info / restore_info). */
export interface OperationInfo {
  time: string;
  version: number;
}

/**
 * A named key and its versions (Vault's keysutil.Policy, as this engine stores it). Members added
 * in issue 19 are optional so that keys stored before it load with their defaults.
 */
export interface KeyPolicy {
  name: string;
  type: KeyType;
  latest_version: number;
  min_decryption_version: number;
  min_encryption_version: number;
  /** Versions below it were trimmed away for good (0: none trimmed). */
  min_available_version?: number;
  deletion_allowed: boolean;
  /** Operations derive a per-context key with HKDF (AES, ChaCha20, ed25519). */
  derived?: boolean;
  /** Derived symmetric keys only: the nonce is derived from the plaintext (Vault's convergent version 3). */
  convergent_encryption?: boolean;
  /** One-way: once true, export/ may answer key material. */
  exportable?: boolean;
  /** One-way: once true (and exportable), backup/ may answer the key in plaintext. */
  allow_plaintext_backup?: boolean;
  /** Seconds; 0: never. A key whose latest version is older is rotated before it is next used. */
  auto_rotate_period?: number;
  /** hmac keys: bytes per version. */
  key_size?: number;
  backup_info?: OperationInfo;
  restore_info?: OperationInfo;
  /** Every version from min_available_version (or 1) to latest_version, by number. */
  versions: Record<string, KeyVersion>;
}

/** What a new key is created with (keys/:name, or encrypt/:name creating it). */
export interface KeyConfig {
  name: string;
  type: KeyType;
  derived?: boolean;
  convergentEncryption?: boolean;
  exportable?: boolean;
  allowPlaintextBackup?: boolean;
  autoRotatePeriod?: number;
  keySize?: number;
}

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

/** A policy with one fresh version, not yet stored. */
export async function newPolicy(config: KeyConfig): Promise<KeyPolicy> {
  const keySize = config.type === 'hmac' ? config.keySize || HMAC_KEY_SIZE.default : undefined;
  const policy: KeyPolicy = {
    name: config.name,
    type: config.type,
    latest_version: 1,
    min_decryption_version: 1,
    min_encryption_version: 0,
    min_available_version: 0,
    deletion_allowed: false,
    derived: config.derived ?? false,
    convergent_encryption: config.convergentEncryption ?? false,
    exportable: config.exportable ?? false,
    allow_plaintext_backup: config.allowPlaintextBackup ?? false,
    auto_rotate_period: config.autoRotatePeriod ?? 0,
    versions: { '1': await newKeyVersion(config.type, keySize) },
  };
  if (keySize !== undefined) policy.key_size = keySize;
  return policy;
}

/** Creates a key with one version unless it exists; answers the key as stored (an existing one wins) and whether it was created. */
export async function createPolicy(store: MountStorage, config: KeyConfig): Promise<{ policy: KeyPolicy; created: boolean }> {
  const existing = await loadPolicy(store, config.name);
  if (existing) return { policy: existing, created: false };
  const policy = await newPolicy(config);
  try {
    await store.transaction([{ type: 'put', key: policyKey(config.name), value: policy }], [{ type: 'absent', key: policyKey(config.name) }]);
    return { policy, created: true };
  } catch (err) {
    if (!(err instanceof ConditionFailed)) throw err;
    const raced = await loadPolicy(store, config.name);
    if (!raced) throw err;
    return { policy: raced, created: false };
  }
}

/** Stores a whole policy (restore): only where no key exists yet, unless `replace`. */
export async function putPolicy(store: MountStorage, policy: KeyPolicy, replace: boolean): Promise<void> {
  try {
    await store.transaction([{ type: 'put', key: policyKey(policy.name), value: policy }], replace ? [] : [{ type: 'absent', key: policyKey(policy.name) }]);
  } catch (err) {
    if (err instanceof ConditionFailed) throw invalidRequest(`key "${policy.name}" already exists`);
    throw err;
  }
}

/**
 * Read-decide-write on one key, atomically: `change` edits a fresh copy (or throws a 400), and the
 * write holds only if nobody changed the key since it was read; otherwise it runs again.
 * `missing` is the 400 for a key that does not exist.
 */
export async function updatePolicy(
  store: MountStorage,
  name: string,
  change: (policy: KeyPolicy) => void,
  missing = 'encryption key not found',
): Promise<KeyPolicy> {
  for (let attempt = 1; ; attempt++) {
    const current = await store.getVersioned<KeyPolicy>(policyKey(name));
    if (!current) throw invalidRequest(missing);
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

/** Adds `version` as the new latest version (keys/:name/rotate); older versions stay for decryption and verification. */
export function addVersion(policy: KeyPolicy, version: KeyVersion): void {
  policy.latest_version += 1;
  policy.versions[String(policy.latest_version)] = version;
}

/** keys/:name/rotate: a new version of the key's type, generated before the compare-and-set write. */
export async function rotatePolicy(store: MountStorage, name: string): Promise<KeyPolicy> {
  const current = await loadPolicy(store, name);
  if (!current) throw invalidRequest('encryption key not found');
  const version = await newKeyVersion(current.type, current.key_size);
  return updatePolicy(store, name, (p) => addVersion(p, version));
}

function rotationDue(policy: KeyPolicy, now: number): boolean {
  const period = policy.auto_rotate_period ?? 0;
  const latest = policy.versions[String(policy.latest_version)];
  return period > 0 && latest !== undefined && now - latest.created >= period;
}

/**
 * The key for an operation (encrypt, sign, hmac, read...). A key whose auto_rotate_period has
 * passed since its latest version was made is rotated first, so no operation uses an overdue
 * version: Vault rotates from a periodic task; this engine has none and rotates on first use.
 */
export async function policyForUse(store: MountStorage, name: string): Promise<KeyPolicy | undefined> {
  const policy = await loadPolicy(store, name);
  if (!policy || !rotationDue(policy, Math.floor(Date.now() / 1000))) return policy;
  const version = await newKeyVersion(policy.type, policy.key_size);
  return updatePolicy(store, name, (p) => {
    // Another request may have rotated it meanwhile; then nothing is left to do.
    if (rotationDue(p, version.created)) addVersion(p, version);
  });
}

/** The stored version `version`, or Vault's 400 when it is not one the key holds for use (trimmed or archived). */
export function versionEntry(policy: KeyPolicy, version: number): KeyVersion {
  const entry = version >= policy.min_decryption_version ? policy.versions[String(version)] : undefined;
  if (!entry) throw invalidRequest('no such key version');
  return entry;
}

/** The version an encryption uses: the requested one (0 = latest) within the key's limits, as Vault checks them. */
export function encryptionVersion(policy: KeyPolicy, requested: number): number {
  if (requested === 0) return policy.latest_version;
  if (requested < 0) throw invalidRequest('requested version for encryption is negative');
  if (requested > policy.latest_version) throw invalidRequest('requested version for encryption is higher than the latest key version');
  if (requested < policy.min_encryption_version) throw invalidRequest('requested version for encryption is less than the minimum encryption key version');
  if (requested < policy.min_decryption_version) throw invalidRequest('requested version for encryption is less than the minimum decryption key version');
  return requested;
}

/** The version a signature uses (sign/:name key_version), with Vault's messages. */
export function signingVersion(policy: KeyPolicy, requested: number): number {
  if (requested === 0) return policy.latest_version;
  if (requested < 0) throw invalidRequest('requested version for signing is negative');
  if (requested > policy.latest_version) throw invalidRequest('requested version for signing is higher than the latest key version');
  if (policy.min_encryption_version > 0 && requested < policy.min_encryption_version) {
    throw invalidRequest('requested version for signing is less than the minimum encryption key version');
  }
  return requested;
}

/** Refuses a ciphertext or signature version the key cannot or may not use (Vault's messages); `what` is "ciphertext" or "signature". */
export function checkDecryptionVersion(policy: KeyPolicy, version: number, what = 'ciphertext'): void {
  if (version > policy.latest_version) throw invalidRequest(`invalid ${what}: version is too new`);
  if (version < policy.min_decryption_version) throw invalidRequest('ciphertext or signature version is disallowed by policy (too old)');
}

/** Versions keys/:name and export/ show: from min_decryption_version up (older ones are archived, as in Vault). */
export function liveVersions(policy: KeyPolicy): Array<[number, KeyVersion]> {
  const live: Array<[number, KeyVersion]> = [];
  for (let v = policy.min_decryption_version; v <= policy.latest_version; v++) {
    const entry = policy.versions[String(v)];
    if (entry) live.push([v, entry]);
  }
  return live;
}

const creationTime = (entry: KeyVersion) => entry.time ?? new Date(entry.created * 1000).toISOString();

/** Vault's `keys` entry of an asymmetric version: curve or type name, public key, creation time. */
function asymmetricEntry(policy: KeyPolicy, entry: KeyVersion, context: Buffer | undefined): Record<string, unknown> {
  let publicKey = formattedPublicKey(policy.type, entry);
  // A derived ed25519 key has a public key per context only (Vault answers "" without one).
  if (policy.type === 'ed25519' && policy.derived) publicKey = context && context.byteLength > 0 ? ed25519PublicBytes(derivedEd25519Key(entry, context)).toString('base64') : '';
  const name = isEcdsa(policy.type) ? NAMED_CURVE[policy.type] : policy.type;
  return { name, public_key: publicKey, certificate_chain: '', creation_time: creationTime(entry) };
}

/** The key as keys/:name answers it (Vault's formatKeyPolicy); `context` gives a derived ed25519 key's public keys. */
export function describePolicy(policy: KeyPolicy, context?: Buffer): Record<string, unknown> {
  const keys: Record<string, unknown> = {};
  for (const [v, entry] of liveVersions(policy)) keys[String(v)] = isAsymmetric(policy.type) ? asymmetricEntry(policy, entry, context) : entry.created;
  const can = capabilities(policy.type);
  const data: Record<string, unknown> = {
    name: policy.name,
    type: policy.type,
    keys,
    latest_version: policy.latest_version,
    min_available_version: policy.min_available_version ?? 0,
    min_decryption_version: policy.min_decryption_version,
    min_encryption_version: policy.min_encryption_version,
    deletion_allowed: policy.deletion_allowed,
    derived: policy.derived ?? false,
    exportable: policy.exportable ?? false,
    allow_plaintext_backup: policy.allow_plaintext_backup ?? false,
    auto_rotate_period: policy.auto_rotate_period ?? 0,
    imported_key: false,
    supports_encryption: can.encryption,
    supports_decryption: can.decryption,
    supports_derivation: can.derivation,
    supports_signing: can.signing,
  };
  if (policy.key_size) data.key_size = policy.key_size;
  if (policy.derived) {
    data.kdf = 'hkdf_sha256';
    data.convergent_encryption = policy.convergent_encryption ?? false;
    if (policy.convergent_encryption) data.convergent_encryption_version = 3;
  }
  if (policy.backup_info) data.backup_info = policy.backup_info;
  if (policy.restore_info) data.restore_info = policy.restore_info;
  return data;
}
