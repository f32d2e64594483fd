import type { Backend } from '../../framework/types.js';
import { configPath } from './config.js';
import { loginPath } from './login.js';
import { OfflineVerifier } from './offline-verification.js';
import { renewLogin } from './renew.js';
import { rolePaths } from './role.js';

/** Default deadline for a TokenReview or JWKS call. */
const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Deadline for calls to the Kubernetes API server and the JWKS URL, in ms:
 * COFFER_KUBERNETES_HTTP_TIMEOUT_MS when it is a positive integer, else 10 s. Read per call so an
 * operator (or a test) can change it without remounting.
 */
function timeoutMs(): number {
  const configured = Number(process.env.COFFER_KUBERNETES_HTTP_TIMEOUT_MS);
  return Number.isSafeInteger(configured) && configured > 0 ? configured : DEFAULT_TIMEOUT_MS;
}

/**
 * The `kubernetes` auth method (Vault's auth/kubernetes API): service accounts log in with their
 * JWT, verified by the API server's TokenReview or, with `jwks_url`, offline (see config.ts).
 */
export function kubernetesBackend(): Backend {
  const verifier = new OfflineVerifier(timeoutMs);
  return {
    type: 'kubernetes',
    paths: [configPath(() => verifier.clear()), ...rolePaths(), loginPath({ verifier, timeoutMs })],
    renewLogin,
    // Vault's ResolveRoleOperation (for role-based rate-limit quotas): the login names its role.
    resolveRole: async (data) => (typeof data.role === 'string' && data.role !== '' ? data.role : undefined),
  };
}
