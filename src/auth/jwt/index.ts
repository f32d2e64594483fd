import type { Backend, MountInfo, MountStorage } from '../../framework/types.js';
import { configPath } from './config.js';
import { loadConfig } from './config-model.js';
import { JwtContext } from './context.js';
import { loginPath } from './login.js';
import { renewLogin } from './renew.js';
import { rolePaths } from './role.js';

/**
 * The `jwt` (and `oidc`) auth method: logins with a signed JWT verified against static keys, a JWKS
 * URL or OIDC discovery (Vault's auth/jwt API). The interactive OIDC flow is not served.
 */
export function jwtBackend(mount: MountInfo): Backend {
  const ctx = new JwtContext();
  return { type: mount.type, paths: [configPath(), ...rolePaths(), loginPath(ctx)], renewLogin, resolveRole };
}

/** Vault's ResolveRoleOperation (for role-based rate-limit quotas): the login's role, else the config's default_role. */
async function resolveRole(data: Record<string, unknown>, store: MountStorage): Promise<string | undefined> {
  if (typeof data.role === 'string' && data.role !== '') return data.role;
  return (await loadConfig(store))?.default_role || undefined;
}
