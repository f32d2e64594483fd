import { createPrivateKey, createPublicKey, type JsonWebKey } from 'node:crypto';
import { invalidRequest } from '../../framework/errors.js';
import { ed25519KeyBytes, ed25519PrivateKey, privateKeyOf, type KeyVersion } from './key-material.js';
import type { KeyPolicy } from './key-policy.js';
import { NAMED_CURVE, RSA_BITS, VAULT_TYPE_NUMBER, isEcdsa, isRsa, type KeyType } from './key-types.js';

// Vault's plaintext backup (transit/backup/:name): base64 of the JSON of keysutil.KeyData, that is
// {"policy": <keysutil.Policy>, "archived_keys": {"keys": [<KeyEntry>...]}}, as Go's encoding/json
// writes it: []byte as base64, time.Time as RFC 3339, time.Duration as nanoseconds, *big.Int (the
// EC and RSA key numbers) as bare JSON numbers far beyond 2^53. The archive lists every version
// from archive_min_version on, by index (index 0 is an empty entry while nothing was trimmed).

const NANOS_PER_SECOND = 1_000_000_000n;
const GO_ZERO_TIME = '0001-01-01T00:00:00Z';
/** Numbers with more digits than a double holds exactly are big.Int values: kept as text while parsing. */
const BIG_DIGITS = 16;
const BIG_MARK = '\u0000big:';
/** Vault's convergent version 3: the nonce is HMAC'd from the plaintext with a derived key (the only one this engine implements). */
const CONVERGENT_VERSION = 3;
const KDF_HKDF_SHA256 = 1;

const TYPE_OF_NUMBER = new Map<number, KeyType>(Object.entries(VAULT_TYPE_NUMBER).map(([type, n]) => [n, type as KeyType]));

/** JSON text with every big integer written as a bare number (Go's encoding of *big.Int). */
function goJson(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${BIG_MARK}${v.toString()}` : v));
  return text.replace(/"\\u0000big:(-?\d+)"/g, '$1');
}

/** Parses JSON whose long integer literals are kept as strings (JSON.parse would round them). */
function parseGoJson(text: string): unknown {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"') {
      const start = i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      out += text.slice(start, ++i);
    } else if (ch === '-' || (ch >= '0' && ch <= '9')) {
      const start = i;
      while (i < text.length && /[-+0-9.eE]/.test(text[i]!)) i++;
      const token = text.slice(start, i);
      out += /^-?\d+$/.test(token) && token.replace('-', '').length >= BIG_DIGITS ? `"${token}"` : token;
    } else {
      out += ch;
      i++;
    }
  }
  return JSON.parse(out);
}

const bigOf = (base64url: string): bigint => BigInt(`0x${Buffer.from(base64url, 'base64url').toString('hex') || '0'}`);

function bytesOf(n: bigint, length?: number): Buffer {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const raw = Buffer.from(hex, 'hex');
  if (length === undefined || raw.length >= length) return raw;
  return Buffer.concat([Buffer.alloc(length - raw.length), raw]);
}

const b64u = (n: bigint, length?: number) => bytesOf(n, length).toString('base64url');

/** Coordinate bytes of each curve (P-521 rounds 521 bits up to 66 bytes). */
const COORDINATE_BYTES: Record<'P-256' | 'P-384' | 'P-521', number> = { 'P-256': 32, 'P-384': 48, 'P-521': 66 };

function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [((a % m) + m) % m, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) throw invalidRequest('invalid backup: RSA primes are not coprime');
  return ((oldS % m) + m) % m;
}

/** An empty KeyEntry, as Go writes the zero value (the archive's slot for version 0). */
const EMPTY_ENTRY = {
  key: null,
  hmac_key: null,
  time: GO_ZERO_TIME,
  ec_x: null,
  ec_y: null,
  ec_d: null,
  rsa_key: null,
  rsa_public_key: null,
  public_key: '',
  convergent_version: 0,
  creation_time: 0,
  public_key_imported: false,
};

/** One version as Vault's KeyEntry. */
function keyEntry(type: KeyType, version: KeyVersion, convergent: boolean): Record<string, unknown> {
  const entry: Record<string, unknown> = {
    ...EMPTY_ENTRY,
    hmac_key: version.hmac_key ?? null,
    time: version.time ?? new Date(version.created * 1000).toISOString(),
    convergent_version: convergent ? CONVERGENT_VERSION : 0,
    creation_time: version.created,
  };
  if (type === 'ed25519') {
    entry.key = version.key;
    entry.public_key = Buffer.from(version.key!, 'base64').subarray(32).toString('base64');
  } else if (isEcdsa(type)) {
    const jwk = version.jwk!;
    Object.assign(entry, { ec_x: bigOf(jwk.x!), ec_y: bigOf(jwk.y!), ec_d: bigOf(jwk.d!) });
    entry.public_key = createPublicKey(privateKeyOf(type, version)).export({ type: 'spki', format: 'pem' }).toString();
  } else if (isRsa(type)) {
    const jwk = version.jwk!;
    entry.rsa_key = {
      N: bigOf(jwk.n!),
      E: Number(bigOf(jwk.e!)),
      D: bigOf(jwk.d!),
      Primes: [bigOf(jwk.p!), bigOf(jwk.q!)],
      Precomputed: { Dp: bigOf(jwk.dp!), Dq: bigOf(jwk.dq!), Qinv: bigOf(jwk.qi!), CRTValues: [] },
    };
  } else {
    entry.key = version.key;
  }
  return entry;
}

/** The key in Vault's plaintext backup format (base64 of the KeyData JSON, with Go's trailing newline). */
export function encodeBackup(policy: KeyPolicy): string {
  const convergent = policy.convergent_encryption === true;
  const minAvailable = policy.min_available_version ?? 0;
  const keys: Record<string, unknown> = {};
  const archive: unknown[] = [];
  for (let v = minAvailable; v <= policy.latest_version; v++) {
    const version = policy.versions[String(v)];
    const entry = version ? keyEntry(policy.type, version, convergent) : EMPTY_ENTRY;
    archive.push(entry);
    if (version && v >= policy.min_decryption_version) keys[String(v)] = entry;
  }
  const vaultPolicy: Record<string, unknown> = {
    name: policy.name,
    keys,
    derived: policy.derived ?? false,
    kdf: policy.derived ? KDF_HKDF_SHA256 : 0,
    convergent_encryption: convergent,
    exportable: policy.exportable ?? false,
    min_decryption_version: policy.min_decryption_version,
    min_encryption_version: policy.min_encryption_version,
    latest_version: policy.latest_version,
    archive_version: policy.latest_version,
    archive_min_version: minAvailable,
    min_available_version: minAvailable,
    deletion_allowed: policy.deletion_allowed,
    convergent_version: convergent ? -1 : 0,
    type: VAULT_TYPE_NUMBER[policy.type],
    backup_info: policy.backup_info ?? null,
    restore_info: policy.restore_info ?? null,
    allow_plaintext_backup: policy.allow_plaintext_backup ?? false,
    version_template: '',
    storage_prefix: '',
    auto_rotate_period: BigInt(policy.auto_rotate_period ?? 0) * NANOS_PER_SECOND,
    Imported: false,
    AllowImportedKeyRotation: false,
  };
  if (policy.key_size) vaultPolicy.key_size = policy.key_size;
  return Buffer.from(`${goJson({ policy: vaultPolicy, archived_keys: { keys: archive } })}\n`, 'utf8').toString('base64');
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const bad = (why: string) => invalidRequest(`invalid backup: ${why}`);

function big(v: unknown, what: string): bigint {
  if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v);
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  throw bad(`${what} is not a non-negative integer`);
}

function int(v: unknown, what: string, fallback?: number): number {
  if ((v === undefined || v === null) && fallback !== undefined) return fallback;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  throw bad(`${what} is not an integer`);
}

function bool(v: unknown): boolean {
  return v === true;
}

function b64(v: unknown, what: string): Buffer {
  if (typeof v !== 'string' || !/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(v)) throw bad(`${what} is not base64`);
  return Buffer.from(v, 'base64');
}

/** Whether an archive slot holds key material (Go writes empty slots as zero values). */
const hasMaterial = (e: Json) => !!e.key || (e.ec_d !== null && e.ec_d !== undefined) || isObject(e.rsa_key);

function versionFrom(type: KeyType, e: Json, v: number, keySize: number | undefined): KeyVersion {
  const what = `version ${v}`;
  const created = int(e.creation_time, `${what} creation_time`, 0);
  const time = typeof e.time === 'string' && e.time !== GO_ZERO_TIME && !Number.isNaN(Date.parse(e.time)) ? new Date(e.time).toISOString() : undefined;
  const version: KeyVersion = { created: created || (time ? Math.floor(Date.parse(time) / 1000) : 0) };
  if (time) version.time = time;
  if (e.hmac_key !== null && e.hmac_key !== undefined) version.hmac_key = b64(e.hmac_key, `${what} hmac_key`).toString('base64');
  if (e.public_key_imported === true) throw bad(`${what} holds only an imported public key`);
  if (type === 'aes128-gcm96' || type === 'aes256-gcm96' || type === 'chacha20-poly1305' || type === 'hmac') {
    const key = b64(e.key, `${what} key`);
    const expected = type === 'aes128-gcm96' ? 16 : type === 'hmac' ? keySize ?? key.length : 32;
    if (key.length !== expected || (type === 'hmac' && (key.length < 32 || key.length > 512))) throw bad(`${what} key has ${key.length} bytes`);
    version.key = key.toString('base64');
  } else if (type === 'ed25519') {
    const key = b64(e.key, `${what} key`);
    if (key.length !== 64 && key.length !== 32) throw bad(`${what} ed25519 key has ${key.length} bytes`);
    version.key = ed25519KeyBytes(ed25519PrivateKey(key)).toString('base64');
  } else if (isEcdsa(type)) {
    const crv = NAMED_CURVE[type];
    const size = COORDINATE_BYTES[crv];
    const jwk: JsonWebKey = { kty: 'EC', crv, x: b64u(big(e.ec_x, `${what} ec_x`), size), y: b64u(big(e.ec_y, `${what} ec_y`), size), d: b64u(big(e.ec_d, `${what} ec_d`), size) };
    let key;
    try {
      key = createPrivateKey({ key: jwk, format: 'jwk' });
    } catch {
      throw bad(`${what} is not a valid ${crv} key`);
    }
    // The public point must be the private scalar's: a mismatched pair would sign what it cannot verify.
    const derived = createPublicKey(key).export({ format: 'jwk' });
    if (derived.x !== jwk.x || derived.y !== jwk.y) throw bad(`${what} public point does not match its private key`);
    version.jwk = key.export({ format: 'jwk' });
  } else if (isRsa(type)) {
    const r = e.rsa_key;
    if (!isObject(r) || !Array.isArray(r.Primes) || r.Primes.length !== 2) throw bad(`${what} rsa_key must hold N, E, D and two primes`);
    const n = big(r.N, `${what} N`);
    const d = big(r.D, `${what} D`);
    const [p, q] = [big(r.Primes[0], `${what} prime`), big(r.Primes[1], `${what} prime`)];
    if (p * q !== n) throw bad(`${what} primes do not multiply to N`);
    const jwk: JsonWebKey = {
      kty: 'RSA',
      n: b64u(n),
      e: b64u(big(r.E, `${what} E`)),
      d: b64u(d),
      p: b64u(p),
      q: b64u(q),
      dp: b64u(d % (p - 1n)),
      dq: b64u(d % (q - 1n)),
      qi: b64u(modInverse(q, p)),
    };
    let key;
    try {
      key = createPrivateKey({ key: jwk, format: 'jwk' });
    } catch {
      throw bad(`${what} is not a valid RSA key`);
    }
    if (key.asymmetricKeyDetails?.modulusLength !== RSA_BITS[type]) throw bad(`${what} is not a ${RSA_BITS[type]}-bit RSA key`);
    version.jwk = key.export({ format: 'jwk' });
  }
  return version;
}

/**
 * The key a plaintext backup holds (one of ours, or Vault's), as this engine stores it; `name`
 * replaces the backup's own name when given. Anything this engine cannot use exactly as Vault
 * would is refused with a 400 naming it, before anything is stored.
 */
export function decodeBackup(backup: string, name: string | undefined): KeyPolicy {
  const raw = b64(backup.trim(), 'the backup');
  let data: unknown;
  try {
    data = parseGoJson(raw.toString('utf8'));
  } catch {
    throw bad('not JSON');
  }
  if (!isObject(data) || !isObject(data.policy)) throw bad('no policy');
  const p = data.policy;
  const type = TYPE_OF_NUMBER.get(int(p.type, 'type', 0));
  if (!type) throw bad(`key type ${String(p.type)} is not supported by this engine`);
  const keyName = name || (typeof p.name === 'string' ? p.name : '');
  if (!keyName) throw bad('no key name');
  if (typeof p.version_template === 'string' && p.version_template !== '' && p.version_template !== 'vault:v{{version}}:') {
    throw bad('custom version templates are not supported');
  }
  const derived = bool(p.derived);
  if (derived && int(p.kdf, 'kdf', 0) !== KDF_HKDF_SHA256) throw bad("derived keys made with Vault's legacy KDF (hmac-sha256-counter) are not supported");
  const latest = int(p.latest_version, 'latest_version');
  const minDecryption = int(p.min_decryption_version, 'min_decryption_version', 1) || 1;
  const minEncryption = int(p.min_encryption_version, 'min_encryption_version', 0);
  const minAvailable = int(p.min_available_version, 'min_available_version', 0);
  if (latest < 1 || minDecryption > latest || minEncryption > latest || minAvailable > minDecryption) throw bad('inconsistent versions');
  const keySize = type === 'hmac' ? int(p.key_size, 'key_size', 32) || 32 : undefined;
  const convergent = bool(p.convergent_encryption);

  // Every version's entry: the policy's own keys map, else the archive (where archived versions live).
  const entries = new Map<number, Json>();
  const archive = isObject(data.archived_keys) && Array.isArray(data.archived_keys.keys) ? data.archived_keys.keys : [];
  const archiveBase = int(p.archive_min_version, 'archive_min_version', minAvailable);
  archive.forEach((e, i) => {
    if (isObject(e) && hasMaterial(e)) entries.set(archiveBase + i, e);
  });
  if (isObject(p.keys)) for (const [v, e] of Object.entries(p.keys)) if (/^\d+$/.test(v) && isObject(e) && hasMaterial(e)) entries.set(Number(v), e);

  const versions: Record<string, KeyVersion> = {};
  for (let v = Math.max(minAvailable, 1); v <= latest; v++) {
    const e = entries.get(v);
    if (!e) throw bad(`version ${v} is missing`);
    if (convergent && int(e.convergent_version, `version ${v} convergent_version`, 0) !== CONVERGENT_VERSION) {
      throw bad(`version ${v} uses a convergent encryption version other than ${CONVERGENT_VERSION}`);
    }
    versions[String(v)] = versionFrom(type, e, v, keySize);
  }
  const nanos = p.auto_rotate_period === undefined || p.auto_rotate_period === null ? 0n : big(p.auto_rotate_period, 'auto_rotate_period');
  const policy: KeyPolicy = {
    name: keyName,
    type,
    latest_version: latest,
    min_decryption_version: minDecryption,
    min_encryption_version: minEncryption,
    min_available_version: minAvailable,
    deletion_allowed: bool(p.deletion_allowed),
    derived,
    convergent_encryption: convergent,
    exportable: bool(p.exportable),
    allow_plaintext_backup: bool(p.allow_plaintext_backup),
    auto_rotate_period: Number(nanos / NANOS_PER_SECOND),
    versions,
  };
  if (keySize !== undefined) policy.key_size = keySize;
  if (isObject(p.backup_info) && typeof p.backup_info.time === 'string') policy.backup_info = { time: p.backup_info.time, version: int(p.backup_info.version, 'backup_info.version', 0) };
  return policy;
}
