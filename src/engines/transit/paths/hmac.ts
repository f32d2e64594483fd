import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { zeroize } from '../../../crypto/zeroize.js';
import { invalidRequest } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { definePath, type MountStorage, type PathDef, type Req, type Resp } from '../../../framework/types.js';
import { base64Field, runItems, type Item } from '../batch.js';
import { splitVersioned, strictBase64, versioned } from '../cipher.js';
import { checkedHashAlgorithm, nodeDigest, type HashAlgorithm } from '../hash-algorithms.js';
import { updatePolicy, type KeyPolicy } from '../key-policy.js';
import { requirePolicy } from './crypt.js';

const HMAC_KEY_BYTES = 32;

const hmacFields = {
  name: field.string({ required: true }),
  input: field.any({ description: 'Base64 of the data to authenticate.' }),
  algorithm: field.string({ default: 'sha2-256', description: 'sha1, sha2-224/256/384/512 or sha3-224/256/384/512 (also the last URL segment).' }),
  key_version: field.int({ description: 'Version to use; 0 is the latest.' }),
  batch_input: field.any({ description: 'A list of {input, reference}; answered as batch_results in the same order.' }),
};

const unsupported = (name: string) => `unsupported algorithm "${name}"`;

/** The HMAC key of one version, as Vault picks it: an hmac key's own key, any other type's per-version hmac_key. The caller zeroizes it. */
export function hmacKeyOf(policy: KeyPolicy, version: number): Buffer {
  if (version < 0) throw invalidRequest('key version does not exist (cannot be negative)');
  if (version > policy.latest_version) throw invalidRequest(`key version does not exist; latest key version is ${policy.latest_version}`);
  const entry = version >= policy.min_decryption_version ? policy.versions[String(version)] : undefined;
  if (!entry) throw invalidRequest('no such key version');
  const encoded = policy.type === 'hmac' ? entry.key : entry.hmac_key;
  if (!encoded) throw invalidRequest('no HMAC key exists for that key version');
  return Buffer.from(encoded, 'base64');
}

/**
 * Keys stored before issue 19 have no HMAC key on their versions; like Vault's policy upgrade, the
 * latest version gets one the first time an HMAC is asked of it.
 */
async function withLatestHmacKey(store: MountStorage, policy: KeyPolicy): Promise<KeyPolicy> {
  const latest = policy.versions[String(policy.latest_version)];
  if (policy.type === 'hmac' || !latest || latest.hmac_key) return policy;
  const fresh = randomBytes(HMAC_KEY_BYTES).toString('base64');
  return updatePolicy(store, policy.name, (p) => {
    const entry = p.versions[String(p.latest_version)];
    if (entry && !entry.hmac_key) entry.hmac_key = fresh;
  });
}

function mac(algorithm: HashAlgorithm, key: Buffer, input: Buffer): Buffer {
  return createHmac(nodeDigest(algorithm), key).update(input).digest();
}

async function generateHmac(req: Req<typeof hmacFields>, store: MountStorage): Promise<Resp> {
  const policy = await withLatestHmacKey(store, await requirePolicy(store, req.fields.name));
  let version = req.fields.key_version;
  if (version === 0) version = policy.latest_version;
  else if (version !== policy.latest_version && policy.min_encryption_version > 0 && version < policy.min_encryption_version) {
    throw invalidRequest('cannot generate HMAC: version is too old (disallowed by policy)');
  }
  const key = hmacKeyOf(policy, version);
  try {
    const algorithm = checkedHashAlgorithm(req.fields.algorithm, undefined, unsupported);
    return runItems(req.fields.batch_input, req.raw, (item: Item) => {
      if (item.input === undefined || item.input === null) throw invalidRequest('missing input for HMAC');
      const input = base64Field(item.input, 'unable to decode input as base64');
      return { hmac: versioned(version, mac(algorithm, key, input).toString('base64')) };
    });
  } finally {
    zeroize(key);
  }
}

const HMAC_WORDS = {
  noPrefix: 'invalid HMAC to verify: no prefix',
  fields: 'invalid HMAC: wrong number of fields',
  version: 'invalid HMAC: version number could not be decoded',
};

/** Whether an item's "vault:v<N>:" HMAC matches its input under version N (compared in constant time). */
function verifyHmacItem(policy: KeyPolicy, algorithm: HashAlgorithm, item: Item): Record<string, unknown> {
  if (item.input === undefined || item.input === null) throw invalidRequest('missing input');
  const input = base64Field(item.input, 'unable to decode input as base64');
  if (typeof item.hmac !== 'string') throw invalidRequest('missing hmac');
  const { version, rest } = splitVersioned(item.hmac, HMAC_WORDS);
  const given = strictBase64(rest);
  if (!given) throw invalidRequest('unable to decode verification HMAC as base64');
  if (version > policy.latest_version) throw invalidRequest('invalid HMAC: version is too new');
  if (version < policy.min_decryption_version) throw invalidRequest('cannot verify HMAC: version is too old (disallowed by policy)');
  const key = hmacKeyOf(policy, version);
  try {
    const expected = mac(algorithm, key, input);
    return { valid: expected.byteLength === given.byteLength && timingSafeEqual(expected, given) };
  } finally {
    zeroize(key);
  }
}

/** verify/:name with `hmac` (instead of `signature`): Vault serves both on one path. */
export async function verifyHmac(req: Req, store: MountStorage, algorithmName: string): Promise<Resp> {
  const policy = await requirePolicy(store, String(req.fields.name));
  const algorithm = checkedHashAlgorithm(algorithmName, undefined, unsupported);
  // A single request without input verifies the HMAC of no bytes, as Vault reads the field's zero value.
  return runItems(req.fields.batch_input, { ...req.raw, input: req.raw.input ?? '' }, (item) => verifyHmacItem(policy, algorithm, item));
}

/** transit/hmac/:name and hmac/:name/:algorithm. */
export function hmacPaths(): PathDef[] {
  return ['hmac/:name/:algorithm', 'hmac/:name'].map((pattern) =>
    definePath({
      pattern,
      fields: hmacFields,
      operations: { update: generateHmac },
      description: 'HMAC of base64 input with the named key ("vault:vN:" + base64); any key type, as in Vault.',
    }),
  );
}
