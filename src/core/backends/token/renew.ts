import { invalidRequest, permissionDenied } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { definePath, type MountStorage, type PathDef, type Resp } from '../../../framework/types.js';
import type { RenewLimits, TokenEntry } from '../../token/index.js';
import type { TokenBackendContext } from './context.js';
import { authBlock } from './describe.js';
import { loadRole } from './role-store.js';

const increment = field.duration({ description: 'Requested extension of the token, from now; default: its TTL or period.' });

/** auth/token/renew, renew-self and renew-accessor. */
export function renewPaths({ store, checkLoginRenewal }: TokenBackendContext): PathDef[] {
  /**
   * Vault answers a renewal with the token's auth block and the new lease duration. A login token
   * asks its auth method first (every renew path goes through here), a role token its role.
   */
  async function renew(entry: TokenEntry, by: number, clientToken: string, mountStore: MountStorage): Promise<Resp> {
    const limits: RenewLimits | undefined = (await checkLoginRenewal?.(entry)) ?? (await roleLimits(entry, mountStore));
    const { entry: renewed, warnings } = await store.renew(entry, by, limits);
    // The TTL just granted, measured from the renewal itself: "now" a moment later would floor 3600 to 3599.
    const granted = renewed.expireTime === 0 ? 0 : Math.round((renewed.expireTime - renewed.lastRenewalTime) / 1000);
    const resp: Resp = { auth: authBlock(renewed, clientToken, granted) };
    if (warnings.length > 0) resp.warnings = warnings;
    return resp;
  }

  return [
    definePath({
      pattern: 'renew',
      fields: { token: field.string({ description: 'Token to renew.' }), increment },
      operations: {
        update: async (req, mountStore) => {
          if (req.fields.token === '') throw invalidRequest('missing token ID');
          const entry = await store.lookup(req.fields.token);
          if (!entry) throw invalidRequest('token not found');
          return renew(entry, req.fields.increment, req.fields.token, mountStore);
        },
      },
      description: 'Renew a token.',
    }),
    definePath({
      pattern: 'renew-self',
      fields: { token: field.string({ description: 'Unused: the calling token is renewed.' }), increment },
      operations: {
        update: async (req, mountStore) => {
          if (!req.caller) throw permissionDenied();
          const entry = await store.lookupById(req.caller.tokenId, { allowPending: true });
          if (!entry) throw invalidRequest('token not found');
          return renew(entry, req.fields.increment, req.caller.token, mountStore);
        },
      },
      description: 'Renew the calling token.',
    }),
    definePath({
      pattern: 'renew-accessor',
      fields: { accessor: field.string({ description: 'Accessor of the token to renew.' }), increment },
      operations: {
        update: async (req, mountStore) => {
          if (req.fields.accessor === '') throw invalidRequest('missing accessor');
          const entry = await store.lookupByAccessor(req.fields.accessor);
          if (!entry) throw invalidRequest('invalid accessor');
          // The accessor holder does not get the token.
          return renew(entry, req.fields.increment, '', mountStore);
        },
      },
      description: 'Renew a token by its accessor.',
    }),
  ];
}

/**
 * Vault's authRenew: a token made from a role renews under the role's current period and explicit
 * max TTL, and not at all once the role is gone.
 */
async function roleLimits(entry: TokenEntry, mountStore: MountStorage): Promise<{ period: number; explicitMaxTtl: number } | undefined> {
  if (!entry.role) return undefined;
  const role = await loadRole(mountStore, entry.role);
  if (!role) throw invalidRequest(`original token role ${JSON.stringify(entry.role)} could not be found, not renewing`);
  return { period: role.tokenPeriod, explicitMaxTtl: role.tokenExplicitMaxTtl };
}
