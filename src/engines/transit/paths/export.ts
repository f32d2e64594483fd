import { invalidRequest } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { definePath, notFound, ok, type MountStorage, type PathDef, type Req, type Resp } from '../../../framework/types.js';
import { formattedPublicKey, privateKeyOf, type KeyVersion } from '../key-material.js';
import { checkedKeyName, liveVersions, policyForUse, type KeyPolicy } from '../key-policy.js';
import { capabilities, isAsymmetric, isEcdsa, isRsa, isSymmetric } from '../key-types.js';

const EXPORT_TYPES = ['encryption-key', 'signing-key', 'hmac-key', 'public-key'] as const;
type ExportType = (typeof EXPORT_TYPES)[number];

const exportFields = {
  type: field.string({ required: true, description: 'encryption-key, signing-key, hmac-key or public-key.' }),
  name: field.string({ required: true }),
  version: field.string({ description: 'A version number (or vN), or "latest"; all live versions when absent.' }),
};

const pem = (text: string | Buffer) => text.toString();

/**
 * One version's material in Vault's export formats: symmetric and HMAC keys as base64; ed25519 as
 * base64 (64-byte private key, 32-byte public key); ECDSA as PEM (SEC 1 "EC PRIVATE KEY", PKIX
 * "PUBLIC KEY"); RSA as PEM (PKCS #1 "RSA PRIVATE KEY", PKIX "PUBLIC KEY"). Vault trims the EC
 * PEMs' final newline and keeps the RSA ones'; so does this.
 */
function exported(policy: KeyPolicy, entry: KeyVersion, exportType: ExportType): string {
  const type = policy.type;
  if (exportType === 'hmac-key') {
    const key = type === 'hmac' ? entry.key : entry.hmac_key;
    if (!key) throw invalidRequest('no HMAC key exists for that key version');
    return key;
  }
  if (exportType === 'encryption-key') {
    if (isSymmetric(type)) return entry.key!;
    if (isRsa(type)) return pem(privateKeyOf(type, entry).export({ type: 'pkcs1', format: 'pem' }));
  }
  if (exportType === 'signing-key') {
    if (type === 'ed25519') return entry.key!;
    if (isEcdsa(type)) return pem(privateKeyOf(type, entry).export({ type: 'sec1', format: 'pem' })).trim();
    if (isRsa(type)) return pem(privateKeyOf(type, entry).export({ type: 'pkcs1', format: 'pem' }));
  }
  if (exportType === 'public-key' && isAsymmetric(type)) {
    const formatted = formattedPublicKey(type, entry);
    return isRsa(type) ? formatted : formatted.trim();
  }
  throw invalidRequest(`unknown key type ${type} for export type ${exportType}`);
}

async function exportKey(req: Req<typeof exportFields>, store: MountStorage): Promise<Resp> {
  const exportType = req.fields.type;
  if (!(EXPORT_TYPES as readonly string[]).includes(exportType)) throw invalidRequest(`invalid export type: ${exportType}`);
  const policy = await policyForUse(store, checkedKeyName(req.fields.name));
  if (!policy) return notFound();
  // A public key is not secret: Vault exports it whether or not the key is exportable.
  if (!policy.exportable && exportType !== 'public-key') throw invalidRequest('private key material is not exportable');
  const can = capabilities(policy.type);
  if (exportType === 'encryption-key' && !can.encryption) throw invalidRequest('encryption not supported for the key');
  if (exportType === 'signing-key' && !can.signing) throw invalidRequest('signing not supported for the key');
  if (exportType === 'public-key' && !isAsymmetric(policy.type)) throw invalidRequest(`unknown key type ${policy.type} for export type ${exportType}`);

  const keys: Record<string, string> = {};
  if (!req.provided('version') || req.fields.version === '') {
    for (const [v, entry] of liveVersions(policy)) keys[String(v)] = exported(policy, entry, exportType as ExportType);
  } else {
    const text = req.fields.version;
    const version = text === 'latest' ? policy.latest_version : /^v?\d{1,10}$/.test(text) ? Number(text.replace(/^v/, '')) : NaN;
    if (Number.isNaN(version)) throw invalidRequest('invalid key version');
    if (version < policy.min_decryption_version) throw invalidRequest('version for export is below minimum decryption version');
    const entry = policy.versions[String(version)];
    if (!entry) throw invalidRequest('version does not exist or cannot be found');
    keys[String(version)] = exported(policy, entry, exportType as ExportType);
  }
  return ok({ name: policy.name, type: policy.type, keys });
}

/** transit/export/:type/:name(/:version). */
export function exportPaths(): PathDef[] {
  return ['export/:type/:name/:version', 'export/:type/:name'].map((pattern) =>
    definePath({
      pattern,
      fields: exportFields,
      // Key material (except public keys, which share the path): a secret read for the listener's allowlist.
      returnsSecret: ['read'],
      operations: { read: exportKey },
      description: 'Export an exportable key\'s versions (or any asymmetric key\'s public keys) in Vault\'s formats.',
    }),
  );
}
