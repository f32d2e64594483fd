import { invalidRequest, permissionDenied } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { definePath, noContent, type PathDef } from '../../../framework/types.js';
import { fullPath, type TokenBackendContext } from './context.js';

/** auth/token/revoke, revoke-self, revoke-accessor and revoke-orphan. */
export function revokePaths({ store, hasSudo }: TokenBackendContext): PathDef[] {
  return [
    definePath({
      pattern: 'revoke',
      fields: { token: field.string({ description: 'Token to revoke, with all its descendants.' }) },
      operations: {
        update: async (req) => {
          if (req.fields.token === '') throw invalidRequest('missing token ID');
          const entry = await store.lookup(req.fields.token, { allowPending: true });
          // Vault answers 204 for a token that does not exist: revoking is idempotent.
          if (entry) await store.revokeTree(entry);
          return noContent();
        },
      },
      description: 'Revoke a token and all its child tokens.',
    }),
    definePath({
      pattern: 'revoke-self',
      fields: {},
      operations: {
        update: async (req) => {
          if (!req.caller) throw permissionDenied();
          const entry = await store.lookupById(req.caller.tokenId, { allowPending: true });
          if (entry) await store.revokeTree(entry);
          return noContent();
        },
      },
      description: 'Revoke the calling token and all its child tokens.',
    }),
    definePath({
      pattern: 'revoke-accessor',
      fields: { accessor: field.string({ description: 'Accessor of the token to revoke.' }) },
      operations: {
        update: async (req) => {
          if (req.fields.accessor === '') throw invalidRequest('missing accessor');
          const found = await store.revokeByAccessor(req.fields.accessor);
          return found ? noContent() : { status: 200, data: null, warnings: ['No token found with this accessor'] };
        },
      },
      description: 'Revoke a token and all its child tokens by the token accessor.',
    }),
    definePath({
      pattern: 'revoke-orphan',
      fields: { token: field.string({ description: 'Token to revoke; its children become orphans.' }) },
      sudo: true,
      operations: {
        update: async (req) => {
          if (req.fields.token === '') throw invalidRequest('missing token ID');
          // Vault checks sudo here too, not only through the path's sudo flag.
          if (!req.caller || !(await hasSudo(req.caller, fullPath(req)))) {
            throw invalidRequest('root or sudo privileges required to revoke and orphan');
          }
          const entry = await store.lookup(req.fields.token, { allowPending: true });
          if (!entry) throw invalidRequest('token to revoke not found');
          await store.revokeOrphan(entry);
          return noContent();
        },
      },
      description: 'Revoke a token but not its child tokens, which become orphans.',
    }),
  ];
}
