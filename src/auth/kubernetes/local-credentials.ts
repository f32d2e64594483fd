import { readFile } from 'node:fs/promises';

/** Where Kubernetes mounts a pod's own service-account token and cluster CA. */
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The pod's own credentials, when Coffer runs inside Kubernetes (Vault's "local CA and JWT"). */
export interface LocalCredentials {
  token?: string;
  caCert?: string;
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    const text = (await readFile(path, 'utf8')).trim();
    return text === '' ? undefined : text;
  } catch {
    return undefined;
  }
}

/**
 * Read at each login rather than once: the kubelet rotates the projected token file, and a cached
 * copy would expire under us.
 */
export async function readLocalCredentials(): Promise<LocalCredentials> {
  const [token, caCert] = await Promise.all([readIfPresent(`${SERVICE_ACCOUNT_DIR}/token`), readIfPresent(`${SERVICE_ACCOUNT_DIR}/ca.crt`)]);
  return { ...(token ? { token } : {}), ...(caCert ? { caCert } : {}) };
}
