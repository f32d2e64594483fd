import { randomBytes } from 'node:crypto';
import { zeroize } from '../../../crypto/zeroize.js';
import { invalidRequest } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { definePath, ok, type MountStorage, type PathDef, type Req, type Resp } from '../../../framework/types.js';
import { keyVersionOf } from '../batch.js';
import { encryptWith } from '../cipher.js';
import { encryptionVersion } from '../key-policy.js';
import { cryptInputs, refuseNonce, requirePolicy } from './crypt.js';

const datakeyFields = {
  name: field.string({ required: true }),
  plaintext: field.string({ description: '"plaintext" answers the new key and its ciphertext; "wrapped" only the ciphertext (from the URL).' }),
  bits: field.int({ default: 256, description: 'Size of the new key: 128, 256 (default) or 512 bits.' }),
  context: field.string({ description: 'Base64 derivation context; required by derived keys.' }),
  nonce: field.string({ description: 'Refused, as on encrypt/.' }),
  key_version: field.int({ description: 'Version of the named key to encrypt the new key with; 0 is the latest.' }),
};

const BITS = new Set([128, 256, 512]);

/**
 * A fresh random key encrypted under the named key, exactly as encrypt/ would seal it (so
 * decrypt/ opens it); the plaintext form also answers the key itself, base64.
 */
async function generateDatakey(req: Req<typeof datakeyFields>, store: MountStorage): Promise<Resp> {
  const kind = req.fields.plaintext;
  if (kind !== 'plaintext' && kind !== 'wrapped') throw invalidRequest("Invalid path, must be 'plaintext' or 'wrapped'");
  if (!BITS.has(req.fields.bits)) throw invalidRequest('invalid bit length');
  refuseNonce(req.raw);
  const inputs = cryptInputs(req.raw);
  const policy = await requirePolicy(store, req.fields.name);
  const version = encryptionVersion(policy, keyVersionOf(req.raw));
  const key = randomBytes(req.fields.bits / 8);
  try {
    const ciphertext = encryptWith(policy, version, key, inputs);
    return ok({ ciphertext, key_version: version, ...(kind === 'plaintext' ? { plaintext: key.toString('base64') } : {}) });
  } finally {
    zeroize(key);
  }
}

/** transit/datakey/plaintext/:name and datakey/wrapped/:name (ACL can grant one without the other). */
export function datakeyPaths(): PathDef[] {
  return [
    definePath({
      pattern: 'datakey/plaintext/:name',
      fields: datakeyFields,
      // It answers a key in plaintext: a secret read for the listener's allowlist.
      returnsSecret: ['update'],
      operations: { update: (req, store) => generateDatakey({ ...req, fields: { ...req.fields, plaintext: 'plaintext' } }, store) },
      description: 'Generate a data key; answer it in plaintext and encrypted under the named key.',
    }),
    definePath({
      pattern: 'datakey/:plaintext/:name',
      fields: datakeyFields,
      operations: { update: generateDatakey },
      description: 'Generate a data key; "wrapped" answers it only encrypted under the named key.',
    }),
  ];
}
