import type { Core } from '../../core.js';
import { field } from '../../../framework/fields.js';
import { definePath, noContent, type PathDef } from '../../../framework/types.js';
import { invalidRequest } from '../../../framework/errors.js';
import { Rekey } from '../../rekey.js';

/**
 * Vault's sys/rekey/{init,update} (the Shamir unseal key) and sys/rekey-recovery-key/{init,update}
 * (a KMS seal's recovery key). As in Vault they need no token: shares of the current key are the
 * authorization. They answer only while unsealed.
 */
export function rekeyPaths(core: Core): PathDef[] {
  return [
    ...pathsFor('rekey', new Rekey(core, 'unseal')),
    ...pathsFor('rekey-recovery-key', new Rekey(core, 'recovery')),
    // Vault's names: rekey/backup and rekey/recovery-key-backup (what its CLI and api package call);
    // rekey-recovery-key/backup too, beside the rest of that family.
    ...['rekey/backup', 'rekey/recovery-key-backup', 'rekey-recovery-key/backup'].map(backupPath),
  ];
}

/**
 * Vault keeps PGP-encrypted copies of a rekey's new shares when the rekey asks for `backup`. Coffer
 * has no PGP support, so no rekey ever stores one: reading answers as Vault does when there is no
 * backup (400 "no backed-up keys found"), and deleting has nothing to delete (204). Unlike init and
 * update, these need a token, as in Vault.
 */
function backupPath(pattern: string): PathDef {
  return definePath({
    pattern,
    fields: {},
    operations: {
      read: async () => {
        throw invalidRequest('no backed-up keys found');
      },
      delete: async () => noContent(),
    },
  });
}

function pathsFor(prefix: string, rekey: Rekey): PathDef[] {
  return [
    definePath({
      pattern: `${prefix}/init`,
      fields: {
        secret_shares: field.int(),
        secret_threshold: field.int(),
        pgp_keys: field.any(),
        backup: field.bool(),
        require_verification: field.bool(),
      },
      unauthenticated: true,
      operations: {
        read: async () => ({ bare: await rekey.status() }),
        update: async (req) => {
          const { secret_shares: shares, secret_threshold: threshold, pgp_keys: pgpKeys, backup, require_verification: verify } = req.fields;
          if ((Array.isArray(pgpKeys) && pgpKeys.length > 0) || (typeof pgpKeys === 'string' && pgpKeys !== '') || backup || verify) {
            throw invalidRequest('pgp_keys, backup and require_verification are not supported yet: rekey without them');
          }
          return { bare: await rekey.start({ shares, threshold }) };
        },
        delete: async () => {
          rekey.cancel();
          return noContent();
        },
      },
    }),
    definePath({
      pattern: `${prefix}/update`,
      fields: { key: field.string(), nonce: field.string() },
      unauthenticated: true,
      operations: {
        update: async (req) => ({ bare: { ...(await rekey.update(req.fields.key, req.fields.nonce)) } }),
      },
    }),
  ];
}
