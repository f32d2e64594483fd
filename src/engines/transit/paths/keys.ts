import { invalidRequest, noHandler } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { definePath, noContent, notFound, ok, type MountStorage, type PathDef, type Req, type Resp } from '../../../framework/types.js';
import { optionalBase64 } from '../batch.js';
import {
  checkedKeyName,
  createPolicy,
  deletePolicy,
  describePolicy,
  listPolicies,
  loadPolicy,
  policyForUse,
  rotatePolicy,
  updatePolicy,
  type KeyPolicy,
} from '../key-policy.js';
import { HMAC_KEY_SIZE, capabilities, checkedKeyType, isSymmetric, type KeyType } from '../key-types.js';

const HOUR = 3600;

const createFields = {
  name: field.string({ required: true }),
  type: field.string({ default: 'aes256-gcm96', description: 'One of aes128-gcm96, aes256-gcm96 (default), chacha20-poly1305, ed25519, ecdsa-p256/p384/p521, rsa-2048/3072/4096, hmac.' }),
  derived: field.bool({ description: 'Derive a key per context with HKDF-SHA256 (AES, ChaCha20, ed25519); every operation must then send a context.' }),
  convergent_encryption: field.bool({ description: 'Derived symmetric keys: the same plaintext and context give the same ciphertext.' }),
  exportable: field.bool({ description: 'Allow export/ of the key material. Cannot be unset.' }),
  allow_plaintext_backup: field.bool({ description: 'Allow backup/ of the key in plaintext (needs exportable too). Cannot be unset.' }),
  auto_rotate_period: field.duration({ description: 'Rotate the key when its latest version is this old (0: never; else at least 1h).' }),
  key_size: field.int({ description: `hmac keys: bytes of key (${HMAC_KEY_SIZE.min}-${HMAC_KEY_SIZE.max}, default ${HMAC_KEY_SIZE.default}).` }),
  context: field.string({ description: 'Read of a derived ed25519 key: base64 context whose public keys to answer.' }),
};

const configFields = {
  name: field.string({ required: true }),
  min_decryption_version: field.int({ description: 'Oldest version allowed to decrypt (and verify); older ciphertexts and signatures are refused.' }),
  min_encryption_version: field.int({ description: 'Oldest version allowed to encrypt, sign or HMAC; 0 means the latest.' }),
  deletion_allowed: field.bool({ description: 'Whether DELETE keys/:name may delete the key.' }),
  exportable: field.bool({ description: 'Allow export/ of the key material. Once set, it cannot be unset.' }),
  allow_plaintext_backup: field.bool({ description: 'Allow backup/ in plaintext. Once set, it cannot be unset.' }),
  auto_rotate_period: field.duration({ description: 'Rotate the key when its latest version is this old (0: never; else at least 1h).' }),
};

const trimFields = {
  name: field.string({ required: true }),
  min_available_version: field.int({ description: 'Versions below it are deleted for good; at most min_decryption_version and min_encryption_version.' }),
};

function checkedRotatePeriod(seconds: number): number {
  if (seconds !== 0 && seconds < HOUR) throw invalidRequest('auto rotate period must be 0 to disable or at least an hour');
  return seconds;
}

/** Vault's rules for what a new key may be derived, convergent and sized as. */
function checkCreate(type: KeyType, derived: boolean, convergent: boolean, keySize: number): void {
  if (convergent && !derived) throw invalidRequest('convergent encryption requires derivation to be enabled');
  if (keySize !== 0) {
    if (type !== 'hmac') throw invalidRequest(`key_size is not valid for algorithm ${type}`);
    if (keySize < HMAC_KEY_SIZE.min || keySize > HMAC_KEY_SIZE.max) throw invalidRequest(`invalid key_size ${keySize}`);
  }
  if (type === 'ed25519' && convergent) throw invalidRequest('convergent encryption not supported for keys of type ed25519');
  if ((derived || convergent) && !capabilities(type).derivation) throw invalidRequest(`key derivation and convergent encryption not supported for keys of type ${type}`);
}

async function createKey(req: Req<typeof createFields>, store: MountStorage): Promise<Resp> {
  const name = checkedKeyName(req.fields.name);
  const autoRotatePeriod = checkedRotatePeriod(req.fields.auto_rotate_period);
  const type = checkedKeyType(req.fields.type);
  checkCreate(type, req.fields.derived, req.fields.convergent_encryption, req.fields.key_size);
  const { policy, created } = await createPolicy(store, {
    name,
    type,
    derived: req.fields.derived,
    convergentEncryption: req.fields.convergent_encryption && isSymmetric(type),
    exportable: req.fields.exportable,
    allowPlaintextBackup: req.fields.allow_plaintext_backup,
    autoRotatePeriod,
    keySize: req.fields.key_size,
  });
  return ok(describePolicy(policy), created ? {} : { warnings: [`key ${name} already existed`] });
}

async function readKey(req: Req<typeof createFields>, store: MountStorage): Promise<Resp> {
  const context = optionalBase64(req.fields.context, 'context');
  const policy = await policyForUse(store, checkedKeyName(req.fields.name));
  return policy ? ok(describePolicy(policy, context)) : notFound();
}

async function deleteKey(req: Req<typeof createFields>, store: MountStorage): Promise<Resp> {
  const name = checkedKeyName(req.fields.name);
  const policy = await loadPolicy(store, name);
  if (!policy) throw invalidRequest('could not delete key; not found');
  if (!policy.deletion_allowed) throw invalidRequest('deletion is not allowed for this key');
  await deletePolicy(store, name);
  return noContent();
}

/** keys/:name/config, with Vault's checks; one-way flags (exportable, allow_plaintext_backup) are never unset. */
async function configureKey(req: Req<typeof configFields>, store: MountStorage): Promise<Resp> {
  const name = checkedKeyName(req.fields.name);
  const warnings: string[] = [];
  const autoRotatePeriod = req.provided('auto_rotate_period') ? checkedRotatePeriod(req.fields.auto_rotate_period) : undefined;
  const policy = await updatePolicy(
    store,
    name,
    (p) => {
      warnings.length = 0;
      if (req.provided('min_decryption_version')) {
        let min = req.fields.min_decryption_version;
        if (min < 0) throw invalidRequest('min decryption version cannot be negative');
        if (min === 0) {
          min = 1;
          warnings.push('since Vault 0.3, transit key numbering starts at 1; forcing minimum to 1');
        }
        if (min !== p.min_decryption_version && min > p.latest_version) {
          throw invalidRequest(`cannot set min decryption version of ${min}, latest key version is ${p.latest_version}`);
        }
        p.min_decryption_version = min;
      }
      if (req.provided('min_encryption_version')) {
        const min = req.fields.min_encryption_version;
        if (min < 0) throw invalidRequest('min encryption version cannot be negative');
        if (min !== p.min_encryption_version && min > p.latest_version) {
          throw invalidRequest(`cannot set min encryption version of ${min}, latest key version is ${p.latest_version}`);
        }
        p.min_encryption_version = min;
      }
      if (p.min_encryption_version > 0 && p.min_encryption_version < p.min_decryption_version) {
        throw invalidRequest(
          `cannot set min encryption/decryption values; min encryption version of ${p.min_encryption_version} must be greater than or equal to min decryption version of ${p.min_decryption_version}`,
        );
      }
      const available = p.min_available_version ?? 0;
      if (available > p.min_encryption_version && req.provided('min_encryption_version')) {
        throw invalidRequest('min encryption version should not be less than min available version');
      }
      if (available > p.min_decryption_version) throw invalidRequest('min decryption version should not be less then min available version');
      if (req.provided('deletion_allowed')) p.deletion_allowed = req.fields.deletion_allowed;
      if (req.fields.exportable) p.exportable = true;
      if (req.fields.allow_plaintext_backup) p.allow_plaintext_backup = true;
      if (autoRotatePeriod !== undefined) p.auto_rotate_period = autoRotatePeriod;
    },
    `no existing key named ${name} could be found`,
  );
  return ok(describePolicy(policy), warnings.length ? { warnings: [...warnings] } : {});
}

async function rotateKey(req: Req<{ name: ReturnType<typeof field.string> }>, store: MountStorage): Promise<Resp> {
  return ok(describePolicy(await rotatePolicy(store, checkedKeyName(req.fields.name))));
}

/** keys/:name/trim: deletes the versions below min_available_version for good (Vault's checks and words). */
async function trimKey(req: Req<typeof trimFields>, store: MountStorage): Promise<Resp> {
  const name = checkedKeyName(req.fields.name);
  if (!req.provided('min_available_version')) throw invalidRequest('missing min_available_version');
  const min = req.fields.min_available_version;
  const policy = await updatePolicy(
    store,
    name,
    (p: KeyPolicy) => {
      if (min < (p.min_available_version ?? 0)) throw invalidRequest('minimum available version cannot be decremented');
      if (p.min_encryption_version === 0) throw invalidRequest('minimum available version cannot be set when minimum encryption version is not set');
      if (p.min_decryption_version === 0) throw invalidRequest('minimum available version cannot be set when minimum decryption version is not set');
      if (min > p.min_encryption_version) throw invalidRequest('minimum available version cannot be greater than minmum encryption version');
      if (min > p.min_decryption_version) throw invalidRequest('minimum available version cannot be greater than minimum decryption version');
      if (min < 0) throw invalidRequest('minimum available version cannot be negative');
      if (min === 0) throw invalidRequest('minimum available version should be positive');
      p.min_available_version = min;
      for (const v of Object.keys(p.versions)) if (Number(v) < min) delete p.versions[v];
    },
    'invalid key name',
  );
  return ok(describePolicy(policy));
}

/** transit/keys (LIST), keys/:name, keys/:name/config, keys/:name/rotate and keys/:name/trim. */
export function keyPaths(): PathDef[] {
  return [
    definePath({
      pattern: 'keys/:name/config',
      fields: configFields,
      operations: { update: configureKey, create: configureKey },
      description: 'Set the oldest versions allowed to decrypt and encrypt, deletion, export, plaintext backup and auto-rotation.',
    }),
    definePath({
      pattern: 'keys/:name/rotate',
      fields: { name: field.string({ required: true }) },
      operations: { update: rotateKey, create: rotateKey },
      description: 'Add a new version to the key; new encryptions, signatures and HMACs use it.',
    }),
    definePath({
      pattern: 'keys/:name/trim',
      fields: trimFields,
      operations: { update: trimKey, create: trimKey },
      description: 'Delete the versions below min_available_version for good.',
    }),
    definePath({
      pattern: 'keys/:name',
      fields: createFields,
      existenceCheck: async (req, store) => (await loadPolicy(store, checkedKeyName(req.fields.name))) !== undefined,
      operations: { create: createKey, update: createKey, read: readKey, delete: deleteKey },
      description: 'Create, read or delete a named key.',
    }),
    definePath({
      // After keys/:name, so only "keys" and "keys/" (how LIST requests arrive) get here.
      pattern: 'keys/:suffix*',
      fields: { suffix: field.string() },
      operations: {
        list: async (req, store) => {
          if (req.fields.suffix !== '') throw noHandler(`${req.mount.path}${req.path}`);
          const keys = await listPolicies(store);
          return keys.length > 0 ? ok({ keys }) : notFound();
        },
      },
      description: 'List the named keys.',
    }),
  ];
}
