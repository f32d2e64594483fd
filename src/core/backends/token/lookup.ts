import { CofferError, invalidRequest, permissionDenied } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { definePath, ok, type PathDef, type Req } from '../../../framework/types.js';
import { visibleHere, type TokenBackendContext } from './context.js';
import { lookupData } from './describe.js';

/** Vault answers an unknown token on lookup with 403 "bad token". */
const badToken = () => new CofferError('bad_token');

/** auth/token/lookup, lookup-self and lookup-accessor. */
export function lookupPaths(ctx: TokenBackendContext): PathDef[] {
  const { store } = ctx;
  return [
    definePath({
      pattern: 'lookup',
      fields: { token: field.string({ description: 'Token to look up; default: the calling token.' }) },
      operations: {
        read: lookup,
        update: lookup,
      },
      description: 'Look up the properties of a token.',
    }),
    definePath({
      pattern: 'lookup-self',
      fields: { token: field.string({ description: 'Unused: the calling token is looked up.' }) },
      operations: {
        read: lookupSelf,
        update: lookupSelf,
      },
      description: 'Look up the properties of the calling token.',
    }),
    definePath({
      pattern: 'lookup-accessor',
      fields: { accessor: field.string({ description: 'Accessor of the token to look up.' }) },
      operations: {
        update: async (req) => {
          if (req.fields.accessor === '') throw invalidRequest('missing accessor');
          const entry = await store.lookupByAccessor(req.fields.accessor, { allowPending: true });
          if (!entry || !visibleHere(ctx, req, entry)) throw invalidRequest('invalid accessor');
          // Whoever holds an accessor must not learn the token from it.
          return ok(lookupData(store, entry, '', ctx.tokenNamespace(entry)));
        },
      },
      description: 'Look up the properties of a token by its accessor; the token itself is not returned.',
    }),
  ];

  async function lookup(req: Pick<Req, 'mount'> & { fields: { token: string }; caller: { token: string } | undefined }) {
    const token = req.fields.token || req.caller?.token || '';
    if (token === '') throw invalidRequest('missing token ID');
    const entry = await store.lookup(token, { allowPending: true });
    if (!entry || !visibleHere(ctx, req, entry)) throw badToken();
    return ok(lookupData(store, entry, token, ctx.tokenNamespace(entry)));
  }

  async function lookupSelf(req: { caller: { token: string; tokenId: string } | undefined }) {
    if (!req.caller) throw permissionDenied();
    const entry = await store.lookupById(req.caller.tokenId, { allowPending: true });
    if (!entry) throw badToken();
    return ok(lookupData(store, entry, req.caller.token, ctx.tokenNamespace(entry)));
  }
}
