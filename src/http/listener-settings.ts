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
  /**
   * Trusted proxies (Vault's x_forwarded_for_* options); absent when x_forwarded_for_authorized_addrs
   * is not set, and then X-Forwarded-For is never read (see client-address.ts).
   */
  forwardedFor?: ForwardedForSettings;
  /**
   * Coffer's listener allowlist for secret reads (secret_read_allowed_cidrs), canonical CIDR blocks.
   * Absent: no restriction. Present: secret reads only from inside; an empty list denies them all.
   */
  secretReadAllowedCidrs?: string[];
  /** Largest body in bytes (max_request_size); Infinity for none. Absent: the HTTP server's own limit. */
  maxRequestSize?: number;
  /** Time a request may run before it is answered 503 (max_request_duration), ms. Absent: the default. */
  maxRequestDurationMs?: number;
}

/** Vault's X-Forwarded-For options of a tcp listener. */
export interface ForwardedForSettings {
  /** x_forwarded_for_authorized_addrs: TCP peers (proxies) whose X-Forwarded-For is believed; never empty. */
  authorizedAddrs: string[];
  /** x_forwarded_for_hop_skips: entries to skip from the right end of the chain (default 0). */
  hopSkips: number;
  /** x_forwarded_for_reject_not_authorized: 400 for a header from any other peer (default true), else the header is ignored. */
  rejectNotAuthorized: boolean;
  /** x_forwarded_for_reject_not_present: 400 for a request without the header (default true). */
  rejectNotPresent: boolean;
}

/** The settings of the listener a request arrived on (empty for requests injected in tests). */
export function listenerSettingsOf(request: FastifyRequest): ListenerSettings {
  const connection = request.raw.socket as unknown;
  return connection instanceof ListMethodStream ? connection.settings : {};
}
