import { zeroize } from '../../../crypto/zeroize.js';
import { invalidRequest } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { definePath, type MountStorage, type PathDef, type Req, type Resp } from '../../../framework/types.js';
import { base64Field, batchItems, isBlank, keyVersionOf, optionalBase64, runItems, type Item } from '../batch.js';
import { decryptWith, encryptWith, type CryptInputs } from '../cipher.js';
import { checkedKeyName, createPolicy, encryptionVersion, loadPolicy, policyForUse, type KeyPolicy } from '../key-policy.js';
import { checkedKeyType } from '../key-types.js';

const itemFields = {
  associated_data: field.string({ description: 'Base64 data authenticated with the ciphertext (AES and ChaCha20 keys); needed again to decrypt.' }),
  context: field.string({ description: 'Base64 key derivation context; required by derived keys, ignored by the others (as in Vault).' }),
  nonce: field.string({ description: 'Refused: only Vault 0.6.1 convergent keys took a caller nonce; convergent keys here derive it.' }),
  batch_input: field.any({ description: 'A list of items, each with the single-item fields; answered as batch_results in the same order.' }),
};
const encryptFields = {
  name: field.string({ required: true }),
  plaintext: field.any({ description: 'Base64 of the data to encrypt.' }),
  key_version: field.int({ description: 'Version to encrypt with; 0 is the latest.' }),
  type: field.string({ default: 'aes256-gcm96', description: 'Type of the key created when the named key does not exist.' }),
  convergent_encryption: field.bool({ description: 'When the key is created here (derived, from a context): make it convergent.' }),
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

/** An item's associated data and derivation context. */
export function cryptInputs(item: Item): CryptInputs {
  return { associatedData: optionalBase64(item.associated_data, 'associated_data'), context: optionalBase64(item.context, 'context') };
}

/** Only Vault 0.6.1's convergent keys took a caller's nonce; none here do. */
export function refuseNonce(item: Item): void {
  if (!isBlank(item.nonce)) throw invalidRequest('provided nonce not allowed for this key');
}

/** Seals `plaintext` under the item's key version (default: the latest), then zeroizes it. */
export function sealItem(policy: KeyPolicy, item: Item, plaintext: Buffer): Record<string, unknown> {
  try {
    const inputs = cryptInputs(item);
    const version = encryptionVersion(policy, keyVersionOf(item));
    return { ciphertext: encryptWith(policy, version, plaintext, inputs), key_version: version };
  } finally {
    zeroize(plaintext);
  }
}

function encryptItem(policy: KeyPolicy, item: Item): Record<string, unknown> {
  refuseNonce(item);
  if (item.plaintext === undefined || item.plaintext === null) throw invalidRequest('missing plaintext to encrypt');
  return sealItem(policy, item, base64Field(item.plaintext, 'failed to base64-decode plaintext'));
}

/** The plaintext of a ciphertext; the caller zeroizes it. */
function openItem(policy: KeyPolicy, item: Item): Buffer {
  refuseNonce(item);
  if (typeof item.ciphertext !== 'string' || item.ciphertext === '') throw invalidRequest('missing ciphertext to decrypt');
  return decryptWith(policy, item.ciphertext, cryptInputs(item));
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

/** The key for a crypt operation, or Vault's 400 when it does not exist. */
export async function requirePolicy(store: MountStorage, name: string): Promise<KeyPolicy> {
  const policy = await policyForUse(store, checkedKeyName(name));
  if (!policy) throw invalidRequest('encryption key not found');
  return policy;
}

const existingKey = async (req: Req<{ name: ReturnType<typeof field.string> }>, store: MountStorage) =>
  (await loadPolicy(store, checkedKeyName(req.fields.name))) !== undefined;

const runOn = (req: Req, policy: KeyPolicy, work: (policy: KeyPolicy, item: Item) => Record<string, unknown>): Resp =>
  runItems(req.fields.batch_input, req.raw, (item) => work(policy, item));

/**
 * encrypt/:name creating its key, as Vault's upsert does: of `type`, derived when an item carries
 * a context, convergent when asked. Bad items are found before anything is created.
 */
async function upsertAndEncrypt(req: Req<typeof encryptFields>, store: MountStorage): Promise<Resp> {
  const name = checkedKeyName(req.fields.name);
  const type = checkedKeyType(req.fields.type);
  const items = batchItems(req.fields.batch_input) ?? [req.raw];
  const derived = items.some((item) => optionalBase64(item.context, 'context').byteLength > 0);
  if (req.fields.convergent_encryption && !derived) throw invalidRequest('convergent encryption requires derivation to be enabled');
  if (derived && type !== 'aes128-gcm96' && type !== 'aes256-gcm96' && type !== 'chacha20-poly1305') {
    throw invalidRequest(`key derivation and convergent encryption not supported for keys of type ${type}`);
  }
  const { policy } = await createPolicy(store, { name, type, derived, convergentEncryption: req.fields.convergent_encryption });
  return runOn(req as unknown as Req, policy, encryptItem);
}

/** transit/encrypt/:name, decrypt/:name and rewrap/:name. */
export function cryptPaths(): PathDef[] {
  return [
    definePath({
      pattern: 'encrypt/:name',
      fields: encryptFields,
      existenceCheck: existingKey,
      operations: {
        create: upsertAndEncrypt,
        update: async (req, store) => runOn(req as unknown as Req, await requirePolicy(store, req.fields.name), encryptItem),
      },
      description: 'Encrypt base64 plaintext with the named key (created if missing).',
    }),
    definePath({
      pattern: 'decrypt/:name',
      fields: decryptFields,
      // An update that answers plaintext: a secret read for the listener's allowlist.
      returnsSecret: ['update'],
      operations: {
        update: async (req, store) => runOn(req as unknown as Req, await requirePolicy(store, req.fields.name), decryptItem),
      },
      description: 'Decrypt a "vault:vN:" ciphertext with the named key.',
    }),
    definePath({
      pattern: 'rewrap/:name',
      fields: rewrapFields,
      operations: {
        update: async (req, store) => runOn(req as unknown as Req, await requirePolicy(store, req.fields.name), rewrapItem),
      },
      description: 'Re-encrypt a ciphertext onto the latest (or a given) key version without revealing the plaintext.',
    }),
  ];
}
