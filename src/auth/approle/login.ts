import { invalidRequest } from '../../framework/errors.js';
import { addressAllowed } from '../../framework/cidr.js';
import { field } from '../../framework/fields.js';
import { loginTokenFields, refuseRootPolicy } from '../../framework/token-params.js';
import { definePath, type MountStorage, type PathDef, type Req, type Resp } from '../../framework/types.js';
import { constantTimeEqual } from '../../crypto/constant-time.js';
import type { ApproleContext } from './context.js';
import type { Hasher } from './hasher.js';
import { MAX_INPUT_LENGTH, roleByRoleId, type RoleEntry } from './role-store.js';
import { destroySecretId, findBySecretId, isExpired, spendOneUse, type SecretIdEntry } from './secret-id-store.js';

const loginFields = {
  role_id: field.string({ description: 'RoleID of the AppRole.' }),
  secret_id: field.string({ description: 'SecretID of the AppRole (required when the role binds secret IDs).' }),
};
type LoginFields = typeof loginFields;

/** Vault's one answer for an unknown role ID, an unknown secret ID and an expired one alike. */
const invalidCredentials = () => invalidRequest('invalid role or secret ID');

/** auth/approle/login: role_id (+ secret_id) for a token. */
export function loginPath(ctx: ApproleContext): PathDef {
  return definePath({
    pattern: 'login',
    fields: loginFields,
    unauthenticated: true,
    operations: { update: (req, store) => login(ctx, req, store) },
    description: 'Log in with a RoleID and (unless the role says otherwise) a SecretID.',
  });
}

async function login(ctx: ApproleContext, req: Req<LoginFields>, store: MountStorage): Promise<Resp> {
  const roleId = req.fields.role_id.trim();
  if (roleId === '') throw invalidRequest('missing role_id');
  if (roleId.length > MAX_INPUT_LENGTH) throw invalidCredentials();
  const hasher = await ctx.hasher(req.mount, store);
  const role = await roleByRoleId(store, hasher, roleId);
  if (!role || !constantTimeEqual(role.roleId, roleId)) throw invalidCredentials();

  // Checked only once the caller has shown every credential the role asks for, and before a use
  // of the secret ID is spent: a caller from the wrong address cannot burn someone's secret ID.
  const checkRole = () => {
    if (!addressAllowed(req.remoteAddress, role.secretIdBoundCidrs)) {
      throw invalidRequest(`source address "${req.remoteAddress}" unauthorized by CIDR restrictions on the role`);
    }
    refuseRootPolicy(role.token);
  };

  let secretId: SecretIdEntry | undefined;
  if (role.bindSecretId) {
    const presented = req.fields.secret_id.trim();
    if (presented === '') throw invalidRequest('missing secret_id');
    if (presented.length > MAX_INPUT_LENGTH) throw invalidCredentials();
    secretId = await useSecretId(store, hasher, role, presented, req.remoteAddress, checkRole);
  } else {
    checkRole();
  }

  // Vault puts the secret ID's metadata on the token and alias, and always the role name.
  const metadata = { ...(secretId?.metadata ?? {}), role_name: role.name };
  return {
    login: {
      alias: { name: role.roleId, metadata },
      metadata,
      ...loginTokenFields(role.token),
      // A secret ID's own token_bound_cidrs (a subset of the role's) take the role's place.
      boundCidrs: secretId && secretId.tokenBoundCidrs.length > 0 ? secretId.tokenBoundCidrs : role.token.boundCidrs,
      // Renewals find the role again by name (see renew.ts).
      internal: { role_name: role.name },
    },
  };
}

/**
 * Validates a presented secret ID and spends one of its uses. The use is taken by a transaction
 * conditioned on the version read; if another login took it first, read again and decide again,
 * so a secret ID with N uses lets exactly N logins through however many race.
 *
 * CIDR restrictions (the secret ID's, and the role's through `checkRole`) are checked before a use
 * is spent (Vault spends first): a request from the wrong address must not be able to burn someone
 * else's single-use secret ID.
 */
async function useSecretId(
  store: MountStorage,
  hasher: Hasher,
  role: RoleEntry,
  presented: string,
  remoteAddress: string,
  checkRole: () => void,
): Promise<SecretIdEntry> {
  const expectedHash = hasher.hash('secret_id', presented);
  for (;;) {
    const found = await findBySecretId(store, hasher, role, presented);
    if (!found || !constantTimeEqual(found.entry.hash, expectedHash)) throw invalidCredentials();
    if (isExpired(found.entry)) {
      await destroySecretId(store, hasher, role, found);
      throw invalidCredentials();
    }
    if (!addressAllowed(remoteAddress, found.entry.cidrList)) {
      throw invalidRequest(`source address "${remoteAddress}" unauthorized through CIDR restrictions on the secret ID`);
    }
    checkRole();
    if (await spendOneUse(store, hasher, role, found)) return found.entry;
  }
}
