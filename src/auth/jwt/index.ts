import type { Backend, MountInfo } from '../../core/framework/types.js';
import { configPath } from './config.js';
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
  return { type: mount.type, paths: [configPath(), ...rolePaths(), loginPath(ctx)], renewLogin };
}
