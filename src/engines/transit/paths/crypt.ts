import { CofferError, invalidRequest } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { definePath, ok, type MountStorage, type PathDef, type Req, type Resp } from '../../../framework/types.js';
import { zeroize } from '../../../crypto/zeroize.js';
import { openValue, parseCiphertext, sealValue } from '../cipher.js';
import { checkDecryptionVersion, checkedKeyName, createPolicy, encryptionVersion, loadPolicy, versionKey, type KeyPolicy } from '../key-policy.js';
import { checkedKeyType } from './keys.js';

/** One encrypt, decrypt or rewrap: the top-level fields, or one entry of batch_input. */
interface Item {
  plaintext?: unknown;
  ciphertext?: unknown;
  associated_data?: unknown;
  context?: unknown;
  nonce?: unknown;
  key_version?: unknown;
  reference?: unknown;
}

const itemFields = {
  associated_data: field.string({ description: 'Base64 data authenticated with the ciphertext; needed again to decrypt.' }),
  context: field.string({ description: 'Key derivation context; ignored, as in Vault, for keys that are not derived (this engine has no derived keys).' }),
  nonce: field.string({ description: 'Only for convergent keys, which this engine does not support.' }),
  batch_input: field.any({ description: 'A list of items, each with the single-item fields; answered as batch_results in the same order.' }),
};
const encryptFields = {
  name: field.string({ required: true }),
  plaintext: field.any({ description: 'Base64 of the data to encrypt.' }),
  key_version: field.int({ description: 'Version to encrypt with; 0 is the latest.' }),
  type: field.string({ default: 'aes256-gcm96', description: 'Type of the key created when the named key does not exist.' }),
  ...itemFields,
};
const decryptFields = {
  name: field.string({ required: true }),
  ciphertext: field.any({ description: 'A "vault:vN:..." ciphertext.' }),
  ...itemFields,
};
const rewrapFields = {
  name: field.string({ required: true }),
  ciphertext: field.any({ description: 'A "vault:vN:..." ciphertext.' }),
  key_version: field.int({ description: 'Version to re-encrypt onto; 0 is the latest.' }),
  ...itemFields,
};

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict standard base64 (Go's StdEncoding, which Vault uses); `what` names the field in the 400. */
function decodeBase64(value: unknown, what: string): Buffer {
  if (typeof value !== 'string' || !BASE64.test(value)) throw invalidRequest(`failed to base64-decode ${what}`);
  return Buffer.from(value, 'base64');
}

function associatedData(item: Item): Buffer {
  if (item.associated_data === undefined || item.associated_data === null || item.associated_data === '') return Buffer.alloc(0);
  return decodeBase64(item.associated_data, 'associated_data');
}

function keyVersionOf(item: Item): number {
  const raw = item.key_version;
  if (raw === undefined || raw === null || raw === '') return 0;
  const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw invalidRequest('key_version must be an integer');
  return n;
}

function refuseNonce(item: Item): void {
  if (item.nonce !== undefined && item.nonce !== null && item.nonce !== '') throw invalidRequest('provided nonce not allowed for this key');
}

function encryptItem(policy: KeyPolicy, item: Item): Record<string, unknown> {
  refuseNonce(item);
  if (item.plaintext === undefined || item.plaintext === null) throw invalidRequest('missing plaintext to encrypt');
  return sealItem(policy, item, decodeBase64(item.plaintext, 'plaintext'));
}

/** Seals `plaintext` under the item's key version (default: the latest), then zeroizes it. */
function sealItem(policy: KeyPolicy, item: Item, plaintext: Buffer): Record<string, unknown> {
  try {
    const version = encryptionVersion(policy, keyVersionOf(item));
    const key = versionKey(policy, version);
    try {
      return { ciphertext: sealValue(policy.type, key, version, plaintext, associatedData(item)), key_version: version };
    } finally {
      zeroize(key);
    }
  } finally {
    zeroize(plaintext);
  }
}

/** The plaintext of a ciphertext; the caller zeroizes it. */
function openItem(policy: KeyPolicy, item: Item): Buffer {
  refuseNonce(item);
  if (typeof item.ciphertext !== 'string' || item.ciphertext === '') throw invalidRequest('missing ciphertext to decrypt');
  const { version, sealed } = parseCiphertext(item.ciphertext);
  checkDecryptionVersion(policy, version);
  const key = versionKey(policy, version);
  try {
    return openValue(policy.type, key, sealed, associatedData(item));
  } finally {
    zeroize(key);
  }
}

function decryptItem(policy: KeyPolicy, item: Item): Record<string, unknown> {
  const plaintext = openItem(policy, item);
  try {
    return { plaintext: plaintext.toString('base64') };
  } finally {
    zeroize(plaintext);
  }
}

/** Decrypts and re-encrypts inside the engine: the plaintext never leaves this function. */
function rewrapItem(policy: KeyPolicy, item: Item): Record<string, unknown> {
  return sealItem(policy, item, openItem(policy, item));
}

/**
 * Runs one item, or each of batch_input. In a batch, a bad item answers {error} in its slot and the
 * others still run; the request is a 400 only when every item failed (Vault's batch rule).
 */
function run(req: Req, policy: KeyPolicy, single: Item, work: (policy: KeyPolicy, item: Item) => Record<string, unknown>): Resp {
  const batch = req.fields.batch_input;
  if (batch === undefined || batch === null) return ok(work(policy, single));
  if (!Array.isArray(batch) || !batch.every((i) => typeof i === 'object' && i !== null && !Array.isArray(i))) {
    throw invalidRequest('failed to parse batch input: batch_input must be a list of objects');
  }
  if (batch.length === 0) throw invalidRequest('missing batch input to process');
  let failures = 0;
  const results = (batch as Item[]).map((item) => {
    const reference = typeof item.reference === 'string' ? item.reference : '';
    try {
      return { ...work(policy, item), reference };
    } catch (err) {
      // An item the caller got wrong fails alone (Vault's batch_results); anything else fails the request.
      if (!(err instanceof CofferError) || err.code !== 'invalid_request') throw err;
      failures += 1;
      return { error: err.message, reference };
    }
  });
  return { ...ok({ batch_results: results }), ...(failures === batch.length ? { status: 400 } : {}) };
}

async function requirePolicy(store: MountStorage, name: string): Promise<KeyPolicy> {
  const policy = await loadPolicy(store, checkedKeyName(name));
  if (!policy) throw invalidRequest('encryption key not found');
  return policy;
}

const existingKey = async (req: Req<{ name: ReturnType<typeof field.string> }>, store: MountStorage) =>
  (await loadPolicy(store, checkedKeyName(req.fields.name))) !== undefined;

/** transit/encrypt/:name, decrypt/:name and rewrap/:name. */
export function cryptPaths(): PathDef[] {
  return [
    definePath({
      pattern: 'encrypt/:name',
      fields: encryptFields,
      existenceCheck: existingKey,
      operations: {
        // A create (the key does not exist yet) makes the key first, as Vault's encrypt does.
        create: async (req, store) => {
          const policy = await createPolicy(store, checkedKeyName(req.fields.name), checkedKeyType(req.fields.type));
          return run(req as unknown as Req, policy, req.raw, encryptItem);
        },
        update: async (req, store) => run(req as unknown as Req, await requirePolicy(store, req.fields.name), req.raw, encryptItem),
      },
      description: 'Encrypt base64 plaintext with the named key (created if missing).',
    }),
    definePath({
      pattern: 'decrypt/:name',
      fields: decryptFields,
      // An update that answers plaintext: a secret read for the listener's allowlist.
      returnsSecret: ['update'],
      operations: {
        update: async (req, store) => run(req as unknown as Req, await requirePolicy(store, req.fields.name), req.raw, decryptItem),
      },
      description: 'Decrypt a "vault:vN:" ciphertext with the named key.',
    }),
    definePath({
      pattern: 'rewrap/:name',
      fields: rewrapFields,
      operations: {
        update: async (req, store) => run(req as unknown as Req, await requirePolicy(store, req.fields.name), req.raw, rewrapItem),
      },
      description: 'Re-encrypt a ciphertext onto the latest (or a given) key version without revealing the plaintext.',
    }),
  ];
}
