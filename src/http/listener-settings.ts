import type { FastifyRequest } from 'fastify';
import { ListMethodStream } from './list-method.js';

/**
 * What one listener stanza says about the requests it accepts, beyond its address and TLS: each
 * connection carries its listener's settings, so one HTTP server can serve listeners with
 * different rules. Fields are added by the features that need them (trusted proxies, allowlists,
 * telemetry).
 */
export interface ListenerSettings {
  /** Serve sys/metrics without a token on this listener (Vault's telemetry.unauthenticated_metrics_access). */
  unauthenticatedMetricsAccess?: boolean;
}

/** The settings of the listener a request arrived on (empty for requests injected in tests). */
export function listenerSettingsOf(request: FastifyRequest): ListenerSettings {
  const connection = request.raw.socket as unknown;
  return connection instanceof ListMethodStream ? connection.settings : {};
}
