// The seeds' VaultClient (login, renewal at 90% of the TTL, a re-login and one retry on 403) is,
// on the SDK, a choice of login method: the session does the rest.
import { appRoleAuth, CofferClient, kubernetesAuth, tokenAuth, type LoginMethod } from 'coffer/client';

/** The login the environment describes: AppRole (VAULT_ROLE_ID + VAULT_SECRET_ID), Kubernetes (VAULT_K8S_ROLE), or VAULT_TOKEN. */
function loginFromEnv(env: NodeJS.ProcessEnv): LoginMethod {
  if (env.VAULT_ROLE_ID && env.VAULT_SECRET_ID) return appRoleAuth({ roleId: env.VAULT_ROLE_ID, secretId: env.VAULT_SECRET_ID });
  if (env.VAULT_K8S_ROLE) return kubernetesAuth({ role: env.VAULT_K8S_ROLE });
  if (env.VAULT_TOKEN) return tokenAuth(env.VAULT_TOKEN);
  throw new Error('set VAULT_ROLE_ID and VAULT_SECRET_ID, VAULT_K8S_ROLE, or VAULT_TOKEN');
}

/** A client logged in and kept logged in; `cache` turns on the read cache (the seeds' SecretCache). */
export async function connect(options: { cache?: boolean } = {}): Promise<CofferClient> {
  const client = new CofferClient(options.cache ? { cache: { ttlMs: 60_000, maxStaleMs: 15 * 60_000 } } : {});
  const session = await client.authenticate(loginFromEnv(process.env));
  session.on('error', (err) => console.error(`coffer session: ${err.message}`));
  return client;
}
