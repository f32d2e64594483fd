import { readFile } from 'node:fs/promises';

/** Where Kubernetes mounts a pod's own service-account token and cluster CA. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * The directory to read the pod's credentials from: COFFER_KUBERNETES_SERVICE_ACCOUNT_DIR when set
 * (tests; a non-standard mount), else Kubernetes' own place. Read per call, as the files are.
 */
export function serviceAccountDir(): string {
  return process.env.COFFER_KUBERNETES_SERVICE_ACCOUNT_DIR || SERVICE_ACCOUNT_DIR;
}

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
 * The pod's CA file, for a config write that gives no kubernetes_ca_cert: its text, or why it
 * cannot be read in the words of Vault's error (Go's "open <path>: no such file or directory").
 */
export async function readLocalCaCert(dir = serviceAccountDir()): Promise<{ pem: string } | { error: string }> {
  const path = `${dir}/ca.crt`;
  try {
    return { pem: await readFile(path, 'utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : 'cannot be read';
    return { error: `open ${path}: ${why}` };
  }
}

/**
 * Read at each login rather than once: the kubelet rotates the projected token file, and a cached
 * copy would expire under us.
 */
export async function readLocalCredentials(dir = serviceAccountDir()): Promise<LocalCredentials> {
  const [token, caCert] = await Promise.all([readIfPresent(`${dir}/token`), readIfPresent(`${dir}/ca.crt`)]);
  return { ...(token ? { token } : {}), ...(caCert ? { caCert } : {}) };
}
