import { invalidRequest, noHandler } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { definePath, noContent, notFound, ok, type MountStorage, type PathDef, type Req, type Resp } from '../../../framework/types.js';
import { KEY_TYPES, type KeyType } from '../cipher.js';
import {
  checkedKeyName,
  createPolicy,
  deletePolicy,
  describePolicy,
  listPolicies,
  loadPolicy,
  rotate,
  updatePolicy,
} from '../key-policy.js';

const createFields = {
  name: field.string({ required: true }),
  type: field.string({ default: 'aes256-gcm96', description: 'aes256-gcm96 (default) or chacha20-poly1305.' }),
  derived: field.bool({ description: 'Key derivation from a context: not supported by this engine.' }),
  convergent_encryption: field.bool({ description: 'Not supported by this engine.' }),
  exportable: field.bool({ description: 'Not supported: keys never leave the engine.' }),
  allow_plaintext_backup: field.bool({ description: 'Not supported: keys never leave the engine.' }),
  auto_rotate_period: field.duration({ description: 'Not supported: rotate with keys/:name/rotate.' }),
};

const configFields = {
  name: field.string({ required: true }),
  min_decryption_version: field.int({ description: 'Oldest version allowed to decrypt; older ciphertexts are refused.' }),
  min_encryption_version: field.int({ description: 'Oldest version allowed to encrypt; 0 means the latest.' }),
  deletion_allowed: field.bool({ description: 'Whether DELETE keys/:name may delete the key.' }),
  exportable: field.bool({ description: 'Not supported: keys never leave the engine.' }),
  allow_plaintext_backup: field.bool({ description: 'Not supported: keys never leave the engine.' }),
  auto_rotate_period: field.duration({ description: 'Not supported: rotate with keys/:name/rotate.' }),
};

/** Options this engine does not implement are refused rather than silently ignored: a caller relying on them must know. */
function refuseUnsupported(req: Req<typeof createFields> | Req<typeof configFields>): void {
  const f = req.fields as Record<string, unknown>;
  if (f.derived || f.convergent_encryption) throw invalidRequest('key derivation and convergent encryption are not supported by this transit engine');
  if (f.exportable || f.allow_plaintext_backup) throw invalidRequest('exportable keys and plaintext backups are not supported by this transit engine');
  if (f.auto_rotate_period) throw invalidRequest('auto_rotate_period is not supported by this transit engine; rotate with keys/:name/rotate');
}

/** The key type a request names, checked against the types this engine implements. */
export function checkedKeyType(type: string): KeyType {
  if (!(KEY_TYPES as readonly string[]).includes(type)) throw invalidRequest(`unknown key type "${type}" (supported: ${KEY_TYPES.join(', ')})`);
  return type as KeyType;
}

async function createKey(req: Req<typeof createFields>, store: MountStorage): Promise<Resp> {
  const name = checkedKeyName(req.fields.name);
  refuseUnsupported(req);
  const type = checkedKeyType(req.fields.type);
  const existed = (await loadPolicy(store, name)) !== undefined;
  const policy = await createPolicy(store, name, type);
  return ok(describePolicy(policy), existed ? { warnings: [`key ${name} already existed`] } : {});
}

async function readKey(req: Req<typeof createFields>, store: MountStorage): Promise<Resp> {
  const policy = await loadPolicy(store, checkedKeyName(req.fields.name));
  return policy ? ok(describePolicy(policy)) : notFound();
}

async function deleteKey(req: Req<typeof createFields>, store: MountStorage): Promise<Resp> {
  const name = checkedKeyName(req.fields.name);
  const policy = await loadPolicy(store, name);
  if (!policy) throw invalidRequest('could not delete key; not found');
  if (!policy.deletion_allowed) throw invalidRequest('deletion is not allowed for this key');
  await deletePolicy(store, name);
  return noContent();
}

async function configureKey(req: Req<typeof configFields>, store: MountStorage): Promise<Resp> {
  const name = checkedKeyName(req.fields.name);
  refuseUnsupported(req);
  const warnings: string[] = [];
  const policy = await updatePolicy(store, name, (p) => {
    if (req.provided('min_decryption_version')) {
      let min = req.fields.min_decryption_version;
      if (min < 0) throw invalidRequest('min decryption version cannot be negative');
      if (min === 0) {
        min = 1;
        warnings.push('since Vault 0.3, transit key numbering starts at 1; forcing minimum to 1');
      }
      if (min > p.latest_version) throw invalidRequest(`cannot set min decryption version of ${min}, latest key version is ${p.latest_version}`);
      p.min_decryption_version = min;
    }
    if (req.provided('min_encryption_version')) {
      const min = req.fields.min_encryption_version;
      if (min < 0) throw invalidRequest('min encryption version cannot be negative');
      if (min > p.latest_version) throw invalidRequest(`cannot set min encryption version of ${min}, latest key version is ${p.latest_version}`);
      p.min_encryption_version = min;
    }
    if (p.min_encryption_version > 0 && p.min_encryption_version < p.min_decryption_version) {
      throw invalidRequest(`min encryption version ${p.min_encryption_version} must be greater than or equal to min decryption version ${p.min_decryption_version}`);
    }
    if (req.provided('deletion_allowed')) p.deletion_allowed = req.fields.deletion_allowed;
  });
  return ok(describePolicy(policy), warnings.length ? { warnings } : {});
}

async function rotateKey(req: Req<{ name: ReturnType<typeof field.string> }>, store: MountStorage): Promise<Resp> {
  const policy = await updatePolicy(store, checkedKeyName(req.fields.name), rotate);
  return ok(describePolicy(policy));
}

/** transit/keys (LIST), keys/:name, keys/:name/config and keys/:name/rotate. */
export function keyPaths(): PathDef[] {
  return [
    definePath({
      pattern: 'keys/:name/config',
      fields: configFields,
      operations: { update: configureKey, create: configureKey },
      description: 'Set the oldest versions allowed to decrypt and encrypt, and whether the key may be deleted.',
    }),
    definePath({
      pattern: 'keys/:name/rotate',
      fields: { name: field.string({ required: true }) },
      operations: { update: rotateKey, create: rotateKey },
      description: 'Add a new version to the key; new encryptions use it.',
    }),
    definePath({
      pattern: 'keys/:name',
      fields: createFields,
      existenceCheck: async (req, store) => (await loadPolicy(store, checkedKeyName(req.fields.name))) !== undefined,
      operations: { create: createKey, update: createKey, read: readKey, delete: deleteKey },
      description: 'Create, read or delete a named encryption key.',
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
