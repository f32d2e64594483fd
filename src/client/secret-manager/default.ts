import { CofferClient } from '../client.js';
import { appRoleAuth } from '../auth/methods.js';
import { EnvSecretManager } from './env.js';
import type { SecretManager, SecretManagerLogger } from './types.js';
import { VaultSecretManager } from './vault.js';

/** What getDefaultSecretManager reads; each parameter wins over its environment variable. */
export interface DefaultSecretManagerOptions {
  /** The environment to read (default process.env); also the variables an env manager uses. */
  env?: Record<string, string | undefined>;
  logger?: SecretManagerLogger;
  /** VAULT_ADDR */
  vaultAddr?: string;
  /** VAULT_TOKEN */
  vaultToken?: string;
  /** VAULT_ROLE_ID */
  roleId?: string;
  /** VAULT_SECRET_ID */
  secretId?: string;
  /** VAULT_MOUNT (default "secret") */
  mount?: string;
  /** VAULT_NAMESPACE */
  namespace?: string;
}

const TYPES = ['env', 'vault', 'coffer'] as const;

/**
 * The SecretManager the environment asks for: SECRET_MANAGER_TYPE "env" (the default) or
 * "vault"/"coffer", the latter from VAULT_ADDR, VAULT_TOKEN (or VAULT_ROLE_ID and VAULT_SECRET_ID
 * for an AppRole login, whose token close() revokes), VAULT_MOUNT and VAULT_NAMESPACE.
 */
export async function getDefaultSecretManager(options: DefaultSecretManagerOptions = {}): Promise<SecretManager> {
  const env = options.env ?? process.env;
  const setting = (given: string | undefined, name: string) => nonEmpty(given) ?? nonEmpty(env[name]);
  const type = (nonEmpty(env.SECRET_MANAGER_TYPE) ?? 'env').trim().toLowerCase();
  if (!(TYPES as readonly string[]).includes(type)) {
    throw new Error(`SECRET_MANAGER_TYPE must be one of ${TYPES.map((t) => `"${t}"`).join(', ')}, not ${JSON.stringify(env.SECRET_MANAGER_TYPE)}`);
  }
  if (type === 'env') return new EnvSecretManager({ env, logger: options.logger });

  const address = setting(options.vaultAddr, 'VAULT_ADDR');
  if (!address) throw new Error('VAULT_ADDR environment variable or vault_addr parameter is required');
  const token = setting(options.vaultToken, 'VAULT_TOKEN');
  const roleId = setting(options.roleId, 'VAULT_ROLE_ID');
  const secretId = setting(options.secretId, 'VAULT_SECRET_ID');
  if (!token && !(roleId && secretId)) throw new Error('Either VAULT_TOKEN or both VAULT_ROLE_ID and VAULT_SECRET_ID must be set');

  const client = new CofferClient({ address, token, namespace: setting(options.namespace, 'VAULT_NAMESPACE') });
  const mount = setting(options.mount, 'VAULT_MOUNT') ?? 'secret';
  if (token) return new VaultSecretManager(client, { mount, logger: options.logger });
  // A session: the token is renewed, and replaced by a new login when it cannot be.
  await client.authenticate(appRoleAuth({ roleId: roleId!, secretId: secretId! }));
  return new VaultSecretManager(client, { mount, logger: options.logger, ownsClient: true });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
