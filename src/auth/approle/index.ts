import type { Backend } from '../../framework/types.js';
import { approleContext } from './context.js';
import { loginPath } from './login.js';
import { renewLogin } from './renew.js';
import { resolveRole } from './resolve-role.js';
import { roleFieldPaths } from './role-field-paths.js';
import { rolePaths } from './role-paths.js';
import { secretIdPaths } from './secret-id-paths.js';
import { tidyPath } from './tidy.js';

/** The `approle` auth method: Vault's AppRole API (roles, role IDs, secret IDs, login, tidy) as a table of paths. */
export function approleBackend(): Backend {
  const ctx = approleContext();
  return { type: 'approle', paths: [...rolePaths(ctx), ...roleFieldPaths(ctx), ...secretIdPaths(ctx), loginPath(ctx), tidyPath(ctx)], renewLogin, resolveRole: resolveRole(ctx) };
}
