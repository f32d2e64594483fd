import { randomBytes } from 'node:crypto';
import { CofferClient, type AppRoleLogin } from '../../../src/client/index.js';
import { freePort } from '../../harness/process.js';
import { startServer, tcpListener, type TestServer } from '../../harness/server.js';

/** A root client for setting things up (no env fallback: the test's environment is not the server's). */
export function rootClient(address: string, token: string): CofferClient {
  return new CofferClient({ address, token, env: {} });
}

/** A client with no token yet, as an application starts. */
export function appClient(address: string, options: ConstructorParameters<typeof CofferClient>[0] = {}): CofferClient {
  return new CofferClient({ address, env: {}, ...options });
}

export function unique(label: string): string {
  return `${label}-${randomBytes(4).toString('hex')}`;
}

/**
 * An AppRole role with the given token TTLs and a fresh secret id for it; its tokens get `policy`,
 * or else a new policy reading and writing secret/data/<role>/*. approle must be enabled at `approle/`.
 */
export async function appRole(
  root: CofferClient,
  settings: { ttl: string; maxTtl: string; policy?: string; period?: string },
): Promise<{ role: string; login: AppRoleLogin; policy: string; prefix: string }> {
  const role = unique('app');
  const policy = settings.policy ?? role;
  const prefix = `${role}/`;
  if (!settings.policy) await root.policy.write(policy, `path "secret/data/${role}/*" { capabilities = ["read", "create", "update"] }`);
  await root.write(`auth/approle/role/${role}`, {
    token_policies: [policy],
    token_ttl: settings.ttl,
    token_max_ttl: settings.maxTtl,
    ...(settings.period ? { period: settings.period } : {}),
  });
  const roleId = (await root.read(`auth/approle/role/${role}/role-id`))?.data?.role_id as string;
  const secretId = (await root.write(`auth/approle/role/${role}/secret-id`, {}))?.data?.secret_id as string;
  return { role, login: { roleId, secretId }, policy, prefix };
}

/**
 * A non-dev server (SQLite, local seal) on a fixed loopback port, so it can be stopped and started
 * again at the same address while a client keeps running.
 */
export async function restartableServer(): Promise<TestServer> {
  const port = await freePort();
  return startServer({ config: { listeners: [tcpListener(`127.0.0.1:${port}`)] } });
}
