import type { Core } from '../../core/core.js';
import { field } from '../../core/framework/fields.js';
import { definePath, noContent, type PathDef } from '../../core/framework/types.js';
import { invalidRequest } from '../../core/errors.js';
import { Rekey } from '../../core/rekey.js';

/**
 * Vault's sys/rekey/{init,update} (the Shamir unseal key) and sys/rekey-recovery-key/{init,update}
 * (a KMS seal's recovery key). As in Vault they need no token: shares of the current key are the
 * authorization. They answer only while unsealed.
 */
export function rekeyPaths(core: Core): PathDef[] {
  return [...pathsFor('rekey', new Rekey(core, 'unseal')), ...pathsFor('rekey-recovery-key', new Rekey(core, 'recovery'))];
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
