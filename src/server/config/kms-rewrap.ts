import { DEFAULT_REWRAP, type RewrapSettings } from '../../core/rewrap/worker.js';
import { parseDurationMs } from '../../framework/duration.js';
import type { BlockAt } from './problem.js';
import type { Json } from './syntax.js';

/** `kms_rewrap { enabled = true, max_per_sec = 50, interval = "1m" }`: the KMS re-wrap worker (src/core/rewrap/); undefined when absent. */
export function kmsRewrapStanza(raw: Json, top: BlockAt): RewrapSettings | undefined {
  if (raw.kms_rewrap === undefined) return undefined;
  const stanzas = Array.isArray(raw.kms_rewrap) ? raw.kms_rewrap : [raw.kms_rewrap];
  if (stanzas.length !== 1 || typeof stanzas[0] !== 'object' || stanzas[0] === null) top.fail('kms_rewrap', 'kms_rewrap must be one block');
  const body = stanzas[0] as Json;
  const at = top.inner({ kind: 'kms_rewrap', nth: 0 });
  const settings = { ...DEFAULT_REWRAP };
  if (body.enabled !== undefined) {
    if (typeof body.enabled !== 'boolean') at.fail('enabled', `kms_rewrap: enabled must be true or false, got ${JSON.stringify(body.enabled)}`);
    settings.enabled = body.enabled as boolean;
  }
  if (body.max_per_sec !== undefined) {
    const rate = body.max_per_sec;
    if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0) at.fail('max_per_sec', `kms_rewrap: max_per_sec must be a positive number, got ${JSON.stringify(rate)}`);
    settings.maxPerSec = rate as number;
  }
  if (body.interval !== undefined) {
    const ms = parseDurationMs(body.interval);
    if (ms === undefined || ms < 1000) at.fail('interval', `kms_rewrap: interval must be a duration of at least 1s such as "1m", got ${JSON.stringify(body.interval)}`);
    settings.intervalMs = ms!;
  }
  return settings;
}
