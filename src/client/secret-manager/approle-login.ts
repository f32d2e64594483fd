import type { CofferClient } from '../client.js';

/**
 * Logs `client` in through AppRole (auth/approle/login) and makes the answered token its own.
 * The one place a SecretManager logs in, so a renewing session can replace it.
 */
export async function loginWithAppRole(client: CofferClient, roleId: string, secretId: string): Promise<void> {
  const answer = await client.login('approle', { role_id: roleId, secret_id: secretId });
  const token = answer?.auth?.client_token;
  if (!token) throw new Error('AppRole login answered no token');
  client.token = token;
}
