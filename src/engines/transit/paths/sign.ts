import { invalidRequest } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { definePath, type MountStorage, type PathDef, type Req, type Resp } from '../../../framework/types.js';
import { base64Field, batchItems, isBlank, keyVersionOf, optionalBase64, runItems, type Item } from '../batch.js';
import { checkedHashAlgorithm } from '../hash-algorithms.js';
import { signingVersion, type KeyPolicy } from '../key-policy.js';
import { isRsa } from '../key-types.js';
import { requireSigningKey, signInput, verifyInput, type Marshaling, type SaltLength, type SignOptions, type SignatureAlgorithm } from '../signing.js';
import { requirePolicy } from './crypt.js';
import { verifyHmac } from './hmac.js';

const commonFields = {
  name: field.string({ required: true }),
  input: field.any({ description: 'Base64 of the data (or, with prehashed, of its digest).' }),
  context: field.string({ description: 'Base64 derivation context: required by derived ed25519 keys.' }),
  hash_algorithm: field.string({ description: 'sha1, sha2-224/256/384/512 (default sha2-256) or sha3-224/256/384/512; also the last URL segment. ed25519 ignores it.' }),
  algorithm: field.string({ description: 'Deprecated name of hash_algorithm.' }),
  prehashed: field.bool({ description: 'The input is already the digest (RSA with pkcs1v15 here; see the docs for ECDSA and PSS).' }),
  signature_algorithm: field.string({ description: 'RSA keys: pss (default) or pkcs1v15.' }),
  marshaling_algorithm: field.string({ default: 'asn1', description: 'asn1 (DER, as openssl) or jws (ECDSA r ‖ s; base64url without padding).' }),
  salt_length: field.string({ default: 'auto', description: 'RSA-PSS salt: auto, hash, or a number of bytes.' }),
  batch_input: field.any({ description: 'A list of items ({input, context, reference, ...}); answered as batch_results in order.' }),
};
const signFields = {
  ...commonFields,
  key_version: field.int({ description: 'Version to sign with; 0 is the latest (at least min_encryption_version).' }),
};
const verifyFields = {
  ...commonFields,
  signature: field.string({ description: 'A "vault:vN:" signature from sign/.' }),
  hmac: field.string({ description: 'A "vault:vN:" HMAC from hmac/ (instead of signature).' }),
};

type SignReq = Req<typeof commonFields>;

/** The hash algorithm a request names: URL segment, then hash_algorithm, then the deprecated algorithm (Vault's order). */
function algorithmName(req: SignReq): string {
  if (req.provided('hash_algorithm') && req.fields.hash_algorithm !== '') return req.fields.hash_algorithm;
  if (req.provided('algorithm') && req.fields.algorithm !== '') return req.fields.algorithm;
  return 'sha2-256';
}

function saltLength(text: string): SaltLength {
  if (text === 'auto' || text === 'hash') return text;
  if (/^\d+$/.test(text)) return Number(text);
  throw invalidRequest(`invalid salt_length "${text}": auto, hash or a number of bytes`);
}

/** The request's signing options, checked before any key is used (Vault's words for bad names). */
function signOptions(req: SignReq, policy: KeyPolicy): Omit<SignOptions, 'context'> {
  const name = algorithmName(req);
  const hashAlgorithm = checkedHashAlgorithm(name, undefined, (n) => `invalid hash algorithm "${n}"`);
  const marshaling = req.fields.marshaling_algorithm;
  if (marshaling !== 'asn1' && marshaling !== 'jws') throw invalidRequest(`invalid marshaling type "${marshaling}"`);
  const signatureAlgorithm = req.fields.signature_algorithm === '' ? 'pss' : req.fields.signature_algorithm;
  if (isRsa(policy.type) && signatureAlgorithm !== 'pss' && signatureAlgorithm !== 'pkcs1v15') {
    throw invalidRequest(`unsupported rsa signature algorithm ${signatureAlgorithm}`);
  }
  return {
    hashAlgorithm,
    marshaling: marshaling as Marshaling,
    signatureAlgorithm: signatureAlgorithm as SignatureAlgorithm,
    prehashed: req.fields.prehashed,
    saltLength: saltLength(req.fields.salt_length),
  };
}

/** In a single request a missing input is no bytes (Vault reads the field's zero value); a batch item must carry one. */
const singleItem = (req: Req): Item => ({ ...req.raw, input: req.raw.input ?? '' });

async function sign(req: Req<typeof signFields>, store: MountStorage): Promise<Resp> {
  const policy = await requirePolicy(store, req.fields.name);
  requireSigningKey(policy.type, 'signing');
  const options = signOptions(req as unknown as SignReq, policy);
  const batch = batchItems(req.fields.batch_input) !== undefined;
  return runItems(req.fields.batch_input, singleItem(req as unknown as Req), (item) => {
    if (item.input === undefined || item.input === null) throw invalidRequest('missing input');
    const input = base64Field(item.input, 'unable to decode input as base64');
    const version = signingVersion(policy, keyVersionOf(item) || req.fields.key_version);
    const { signature, publicKey } = signInput(policy, version, input, { ...options, context: optionalBase64(item.context, 'context') });
    // Vault names the derived public key "public_key" in a single answer and "publickey" in batch_results.
    const key = publicKey ? { [batch ? 'publickey' : 'public_key']: publicKey.toString('base64') } : {};
    return { signature, key_version: version, ...key };
  });
}

async function verify(req: Req<typeof verifyFields>, store: MountStorage): Promise<Resp> {
  const items = batchItems(req.fields.batch_input);
  const has = (item: Item, name: string) => !isBlank(item[name]);
  const list = items ?? [req.raw];
  const signatures = list.filter((i) => has(i, 'signature')).length;
  const hmacs = list.filter((i) => has(i, 'hmac')).length;
  // Vault's rules: one request verifies signatures or HMACs, never both.
  if (!items && signatures && hmacs) throw invalidRequest("provide one of 'signature' or 'hmac'");
  if (!items && !signatures && !hmacs) throw invalidRequest("neither a 'signature' nor an 'hmac' were given to verify");
  if (signatures && hmacs) throw invalidRequest("elements of batch_input must all provide 'signature' or all provide 'hmac'");
  if (signatures && signatures < list.length) throw invalidRequest("some elements of batch_input are missing 'signature'");
  if (hmacs && hmacs < list.length) throw invalidRequest("some elements of batch_input are missing 'hmac'");
  if (!signatures && !hmacs) throw invalidRequest("no batch_input elements have 'signature' or 'hmac'");
  if (hmacs) return verifyHmac(req as unknown as Req, store, algorithmName(req as unknown as SignReq));

  const policy = await requirePolicy(store, req.fields.name);
  requireSigningKey(policy.type, 'verification');
  const options = signOptions(req as unknown as SignReq, policy);
  return runItems(req.fields.batch_input, singleItem(req as unknown as Req), (item) => {
    if (item.input === undefined || item.input === null) throw invalidRequest('missing input');
    const input = base64Field(item.input, 'unable to decode input as base64');
    if (typeof item.signature !== 'string') throw invalidRequest('missing signature');
    return { valid: verifyInput(policy, item.signature, input, { ...options, context: optionalBase64(item.context, 'context') }) };
  });
}

/** transit/sign/:name(/:hash_algorithm) and verify/:name(/:hash_algorithm). */
export function signPaths(): PathDef[] {
  return [
    ...['sign/:name/:hash_algorithm', 'sign/:name'].map((pattern) =>
      definePath({
        pattern,
        fields: signFields,
        operations: { update: sign },
        description: 'Sign base64 input with the named ed25519, ECDSA or RSA key ("vault:vN:" + base64 signature).',
      }),
    ),
    ...['verify/:name/:hash_algorithm', 'verify/:name'].map((pattern) =>
      definePath({
        pattern,
        fields: verifyFields,
        operations: { update: verify },
        description: 'Verify a signature from sign/ (or an HMAC from hmac/) of base64 input with the named key.',
      }),
    ),
  ];
}
