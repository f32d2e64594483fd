import { strictBoolean } from './booleans.js';
import type { BlockAt } from './problem.js';
import type { Json } from './syntax.js';

/**
 * The top-level telemetry stanza (Vault's sinks: statsd, prometheus_retention_time...) is accepted
 * and its keys checked against the option table; Coffer's metrics are always at sys/metrics, so
 * its options change nothing. Only its shape is the loader's to check.
 */
export function checkTelemetryStanza(raw: Json, top: BlockAt): void {
  if (raw.telemetry !== undefined && (typeof raw.telemetry !== 'object' || raw.telemetry === null)) top.fail('telemetry', 'telemetry must be a block');
}

/**
 * A listener's `telemetry { unauthenticated_metrics_access = true }` (Vault): sys/metrics is served
 * on that listener without a token.
 */
export function unauthenticatedMetricsAccess(body: Json, listener: BlockAt): boolean {
  const telemetry = body.telemetry;
  if (telemetry === undefined) return false;
  const stanzas = Array.isArray(telemetry) ? telemetry : [telemetry];
  let allowed = false;
  for (const [nth, stanza] of stanzas.entries()) {
    if (typeof stanza !== 'object' || stanza === null) return listener.fail('telemetry', 'listener telemetry must be a block');
    const value = (stanza as Json).unauthenticated_metrics_access;
    if (value === undefined) continue;
    const parsed = strictBoolean(value);
    if (parsed === undefined) {
      listener.inner({ kind: 'telemetry', nth }).fail('unauthenticated_metrics_access', `unauthenticated_metrics_access must be true or false, got ${JSON.stringify(value)}`);
    }
    allowed = parsed!;
  }
  return allowed;
}
