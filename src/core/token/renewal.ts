import { invalidRequest } from '../../framework/errors.js';
import type { TokenEntry } from './entry.js';
import type { TokenRecords } from './records.js';
import { calculateTtl, effectiveMaxTtl } from './ttl.js';

/**
 * What a renewal may replace on the token (a token role's or an auth method's current settings),
 * seconds: `ttl` is the default increment, `maxTtl` the ceiling below the system max.
 */
export interface RenewLimits {
  period?: number;
  explicitMaxTtl?: number;
  ttl?: number;
  maxTtl?: number;
}

/** What a renewal needs of the store: its records, clock and system TTLs (seconds). */
export interface RenewalContext {
  records: TokenRecords;
  now: () => number;
  defaultTtl: number;
  maxTtl: number;
}

/**
 * Renews a token (Vault's rules): refused for tokens that are not renewable or never expire;
 * periodic tokens get their period again; others get the increment (or their TTL), never past
 * creation + min(max TTL, explicit max TTL). `limits` replace the token's own settings.
 */
export async function renewToken(
  context: RenewalContext,
  entry: TokenEntry,
  increment: number,
  limits: RenewLimits | undefined,
): Promise<{ entry: TokenEntry; warnings: string[] }> {
  if (!Number.isSafeInteger(increment) || increment < 0) throw invalidRequest('increment must be positive');
  let warnings: string[] = [];
  const renewed = await context.records.update(entry.id, (current) => {
    if (!current.renewable || current.expireTime === 0) throw invalidRequest('lease is not renewable');
    const nowMs = context.now();
    if (nowMs >= current.expireTime) throw invalidRequest('lease expired');
    const calculated = calculateTtl({
      increment,
      ttl: limits?.ttl ?? current.ttl,
      period: limits?.period ?? current.period,
      explicitMaxTtl: limits?.explicitMaxTtl ?? current.explicitMaxTtl,
      defaultTtl: context.defaultTtl,
      maxTtl: effectiveMaxTtl(context.maxTtl, { maxTtl: limits?.maxTtl ?? current.maxTtl }),
      start: current.creationTime,
      now: Math.floor(nowMs / 1000),
    });
    warnings = calculated.warnings;
    return { ...current, expireTime: nowMs + calculated.ttl * 1000, lastRenewalTime: nowMs };
  });
  if (!renewed) throw invalidRequest('token not found');
  return { entry: renewed, warnings };
}
