import type { SecureVersion } from 'node:tls';
import type { ListenerSettings } from '../../http/listener-settings.js';
import { parseDurationMs } from '../../framework/duration.js';
import { labelledStanzas } from '../config-keys.js';
import { labelsOf } from '../config-options.js';
import { truthy } from './booleans.js';
import { clientAddressSettings } from './client-address.js';
import { listenerTls } from './listener-tls.js';
import type { BlockAt } from './problem.js';
import type { Json } from './syntax.js';
import { unauthenticatedMetricsAccess } from './telemetry.js';

export interface ListenerConfig {
  address: string;
  tlsDisable: boolean;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** tls_min_version (default tls12) and tls_max_version (default tls13), in Node's names. */
  tlsMinVersion?: SecureVersion;
  tlsMaxVersion?: SecureVersion;
  /** tls_cipher_suites translated to an OpenSSL cipher string (see http/tls-config.ts). */
  tlsCiphers?: string;
  /** tls_require_and_verify_client_cert: the handshake fails without a client certificate that verifies. */
  tlsRequireAndVerifyClientCert?: boolean;
  /** tls_client_ca_file: CAs client certificates are verified against (with require_and_verify; else the system CAs). */
  tlsClientCaFile?: string;
  /** tls_disable_client_certs: do not even ask for a client certificate. */
  tlsDisableClientCerts?: boolean;
  /** max_request_size of this listener, bytes; negative turns the limit off (as Vault). */
  maxRequestSize?: number;
  /** max_request_duration of this listener, milliseconds. */
  maxRequestDurationMs?: number;
  /** The rules its connections carry (trusted proxies, secret-read allowlist...); see http/listener-settings.ts. */
  settings?: ListenerSettings;
}

/** Every `listener "tcp"` stanza; at least one is required. */
export function listenerStanzas(raw: Json, top: BlockAt): ListenerConfig[] {
  const listeners = labelledStanzas('listener', raw.listener).map(({ label, body, step }) => listenerStanza(label, body, top.inner(step)));
  if (listeners.length === 0) top.fail('listener', 'at least one listener stanza is required');
  return listeners;
}

function listenerStanza(type: string, body: Json, at: BlockAt): ListenerConfig {
  if (type !== 'tcp') at.failHere(`unknown listener type "${type}" (supported: ${labelsOf('listener').join(', ')})`);
  const address = body.address ?? '127.0.0.1:8200';
  if (typeof address !== 'string' || !/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/.test(address)) {
    at.fail('address', `listener address must be host:port, got ${JSON.stringify(address)}`);
  }
  const tlsDisable = truthy(body.tls_disable);
  const listener: ListenerConfig = { address: address as string, tlsDisable };
  if (!tlsDisable) {
    if (typeof body.tls_cert_file !== 'string' || typeof body.tls_key_file !== 'string') {
      at.fail(typeof body.tls_cert_file !== 'string' ? 'tls_cert_file' : 'tls_key_file', 'listener needs tls_cert_file and tls_key_file, or tls_disable = true');
    }
    listener.tlsCertFile = body.tls_cert_file as string;
    listener.tlsKeyFile = body.tls_key_file as string;
    Object.assign(listener, listenerTls(body, at));
  }
  Object.assign(listener, listenerLimits(body, at));
  const clientRules = clientAddressSettings(body, at);
  if (Object.keys(clientRules).length > 0) listener.settings = { ...listener.settings, ...clientRules };
  if (unauthenticatedMetricsAccess(body, at)) listener.settings = { ...listener.settings, unauthenticatedMetricsAccess: true };
  return listener;
}

/** A listener's max_request_size and max_request_duration, checked. */
function listenerLimits(body: Json, at: BlockAt): Partial<ListenerConfig> {
  const out: Partial<ListenerConfig> = {};
  const size = body.max_request_size;
  if (size !== undefined) {
    if (!Number.isSafeInteger(size)) at.fail('max_request_size', `max_request_size must be an integer number of bytes, got ${JSON.stringify(size)}`);
    // 0 means "the default" (32 MiB), as in Vault; negative turns the limit off.
    if (size !== 0) out.maxRequestSize = size as number;
  }
  const duration = body.max_request_duration;
  if (duration !== undefined) {
    const ms = parseDurationMs(duration);
    if (ms === undefined || ms < 0) {
      at.fail('max_request_duration', `max_request_duration must be a duration such as "90s", got ${JSON.stringify(duration)}`);
    }
    if (ms) out.maxRequestDurationMs = ms;
  }
  return out;
}
