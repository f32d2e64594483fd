import type { Core } from '../../core.js';
import { field } from '../../../framework/fields.js';
import { definePath, noContent, type PathDef } from '../../../framework/types.js';
import { invalidRequest } from '../../../framework/errors.js';
import { GenerateRoot } from '../../generate-root.js';

/**
 * Vault's sys/generate-root/attempt (GET status, PUT/POST start, DELETE cancel) and
 * sys/generate-root/update (one key share and the nonce). As in Vault they need no token: the
 * shares are the authorization. They answer only while unsealed. PGP-encrypted tokens are refused.
 */
export function generateRootPaths(core: Core): PathDef[] {
  const generateRoot = new GenerateRoot(core);
  return [
    definePath({
      pattern: 'generate-root/attempt',
      fields: { otp: field.string(), pgp_key: field.string() },
      unauthenticated: true,
      operations: {
        read: async () => ({ bare: { ...(await generateRoot.status()) } }),
        update: async (req) => {
          const { otp, pgp_key: pgpKey } = req.fields;
          if (otp && pgpKey) throw invalidRequest('only one of "otp" and "pgp_key" must be specified');
          if (pgpKey) throw invalidRequest('pgp_key is not supported yet: Coffer cannot encrypt the root token with a PGP key; start with an otp, or with neither to get one');
          return { bare: { ...(await generateRoot.start(otp)) } };
        },
        delete: async () => {
          generateRoot.cancel();
          return noContent();
        },
      },
    }),
    definePath({
      pattern: 'generate-root/update',
      fields: { key: field.string(), nonce: field.string() },
      unauthenticated: true,
      operations: {
        update: async (req) => ({ bare: { ...(await generateRoot.update(req.fields.key, req.fields.nonce)) } }),
      },
    }),
  ];
}
