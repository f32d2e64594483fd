import { constantTimeEqual } from '../../crypto/constant-time.js';
import type { Backend } from '../../framework/types.js';
import type { ApproleContext } from './context.js';
import { MAX_INPUT_LENGTH, roleByRoleId } from './role-store.js';

/**
 * Vault's ResolveRoleOperation for AppRole: the login names its role by role_id, so the role's name
 * comes from the role_id index. Used by role-based rate-limit quotas before the login runs.
 */
export function resolveRole(ctx: ApproleContext): NonNullable<Backend['resolveRole']> {
  return async (data, store, mount) => {
    const roleId = typeof data.role_id === 'string' ? data.role_id.trim() : '';
    if (roleId === '' || roleId.length > MAX_INPUT_LENGTH) return undefined;
    const role = await roleByRoleId(store, await ctx.hasher(mount, store), roleId);
    return role && constantTimeEqual(role.roleId, roleId) ? role.name : undefined;
  };
}
