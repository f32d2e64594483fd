import { canonicalListenerCidr } from '../../http/client-address.js';
import type { ListenerSettings } from '../../http/listener-settings.js';
import { booleanOption } from './booleans.js';
import type { BlockAt } from './problem.js';
import type { Json } from './syntax.js';

/**
 * A listener's client-address rules: Vault's trusted proxies (x_forwarded_for_*) and Coffer's
 * secret_read_allowed_cidrs. A list is an HCL/JSON list or a comma-separated string; an entry that
 * is not a CIDR block or address stops the load, naming its line: an allowlist is never half-read.
 */
export function clientAddressSettings(body: Json, at: BlockAt): ListenerSettings {
  const settings: ListenerSettings = {};
  const authorizedAddrs = cidrListOption(body, 'x_forwarded_for_authorized_addrs', at);
  if (authorizedAddrs && authorizedAddrs.length > 0) {
    const written = body.x_forwarded_for_hop_skips ?? 0;
    const hopSkips = typeof written === 'string' && /^\s*\d+\s*$/.test(written) ? Number(written) : written;
    if (!Number.isSafeInteger(hopSkips) || (hopSkips as number) < 0) {
      at.fail('x_forwarded_for_hop_skips', `x_forwarded_for_hop_skips must be a non-negative integer, got ${JSON.stringify(written)}`);
    }
    settings.forwardedFor = {
      authorizedAddrs,
      hopSkips: hopSkips as number,
      rejectNotAuthorized: booleanOption(body, 'x_forwarded_for_reject_not_authorized', true, at),
      rejectNotPresent: booleanOption(body, 'x_forwarded_for_reject_not_present', true, at),
    };
  }
  const secretReadAllowedCidrs = cidrListOption(body, 'secret_read_allowed_cidrs', at);
  if (secretReadAllowedCidrs) settings.secretReadAllowedCidrs = secretReadAllowedCidrs;
  return settings;
}

/** A list of CIDR blocks (or addresses), canonical; undefined when the key is absent. */
function cidrListOption(body: Json, key: string, at: BlockAt): string[] | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  const entries: unknown[] = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : at.fail(key, `${key} must be a list of CIDR blocks`);
  return entries
    .filter((entry) => typeof entry !== 'string' || entry.trim() !== '')
    .map((entry) => {
      const block = typeof entry === 'string' ? canonicalListenerCidr(entry) : undefined;
      if (block !== undefined) return block;
      const shown = typeof entry === 'string' ? entry.trim() : JSON.stringify(entry);
      const message = `invalid CIDR block ${JSON.stringify(shown)} in ${key}`;
      // The line holding the entry itself (a list may span lines); a non-string entry, the key's line.
      return typeof entry === 'string' ? at.failEntry(key, shown, message) : at.fail(key, message);
    });
}
