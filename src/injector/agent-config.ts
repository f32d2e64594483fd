import { posix } from 'node:path';
import type { InjectionRequest } from './annotations.js';

/** The agent containers' own memory volume: the token sink lives here, out of the app's sight. */
export const AGENT_HOME = '/home/coffer';
export const TOKEN_SINK = `${AGENT_HOME}/.vault-token`;
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Where a `tls-secret` is mounted in the agent containers. */
export const TLS_DIR = '/vault/tls';
/** The variable the agent reads its configuration from (`coffer agent -config-env=...`). */
export const CONFIG_ENV = 'COFFER_AGENT_CONFIG';
/** The init container's wrapping token in wrapped-token mode. */
export const WRAPPED_TOKEN_ENV = 'COFFER_WRAPPED_TOKEN';

export type AgentStage = 'init' | 'sidecar';

/**
 * The Vault Agent configuration (JSON form) of one injected container. The init container logs in
 * (Kubernetes auth, or by unwrapping the pod's wrapping token once), writes the token and renders
 * every template, then exits; the sidecar keeps them fresh. In wrapped-token mode the sidecar has
 * no credential of its own: it takes over the token the init container left in the agents' home
 * volume and renews it (up to its max TTL).
 */
export function agentConfig(request: InjectionRequest, stage: AgentStage, address: string): Record<string, unknown> {
  const sinks = [{ type: 'file', config: { path: TOKEN_SINK, mode: '0640' } }];
  // The application's copy is readable by its user, whoever that is: the volume is the pod's alone.
  if (request.injectToken) sinks.push({ type: 'file', config: { path: posix.join(request.volumePaths[0]!, 'token'), mode: '0644' } });
  const method =
    request.mode === 'kubernetes-auth'
      ? { type: 'kubernetes', mount_path: request.authPath, config: { role: request.role, token_path: `${SERVICE_ACCOUNT_DIR}/token` } }
      : stage === 'init'
        ? { type: 'wrapped_token', config: { env: WRAPPED_TOKEN_ENV } }
        : { type: 'token_file', config: { token_file_path: TOKEN_SINK } };
  const reusesInitToken = request.mode === 'wrapped-token' && stage === 'sidecar';
  return {
    vault: withoutUndefined({
      address: request.address ?? address,
      namespace: request.namespace,
      tls_skip_verify: request.tlsSkipVerify || undefined,
      ca_cert: request.caCert,
      tls_server_name: request.tlsServerName,
      client_cert: request.clientCert,
      client_key: request.clientKey,
    }),
    auto_auth: { method, sink: reusesInitToken ? [] : sinks },
    exit_after_auth: stage === 'init',
    log_level: request.logLevel,
    ...(stage === 'sidecar' && request.revokeOnShutdown ? { revoke_on_shutdown: true } : {}),
    template: request.secrets.map((secret) =>
      withoutUndefined({ destination: secret.destination, contents: secret.template, perms: secret.perms, command: secret.command }),
    ),
    // A sidecar that can no longer render stops, so the pod shows it, as vault-k8s configures it.
    template_config: { exit_on_retry_failure: true },
  };
}

function withoutUndefined<T extends Record<string, unknown>>(object: T): Partial<T> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as Partial<T>;
}
