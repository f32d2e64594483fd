import { invalidRequest } from '../../framework/errors.js';
import { formatDuration } from '../../framework/duration.js';

/** Vault's system default and max lease TTL: 768h. */
export const DEFAULT_SYSTEM_TTL = 2_764_800;

/** The system max TTL, lowered by the token's own ceiling when it has one. */
export function effectiveMaxTtl(systemMaxTtl: number, token: { maxTtl?: number | undefined }): number {
  return token.maxTtl && token.maxTtl < systemMaxTtl ? token.maxTtl : systemMaxTtl;
}

/** What Vault's framework.CalculateTTL looks at, all in seconds. */
export interface TtlInput {
  /** Renewal increment asked for; 0 when creating or when none was asked. */
  increment: number;
  /** The token's own TTL (requested at creation); 0 for none. */
  ttl: number;
  period: number;
  explicitMaxTtl: number;
  /** System defaults: used when nothing else says, and the ceiling for non-periodic tokens. */
  defaultTtl: number;
  maxTtl: number;
  /** When the token was created (unix seconds): max TTLs count from here, not from the renewal. */
  start: number;
  now: number;
}

/**
 * Vault's framework.CalculateTTL for tokens: a periodic token gets its period (capped by the max
 * TTL) and only an explicit max TTL bounds its life; any other token gets increment, own TTL or the
 * default, never past creation + min(system max, explicit max). Throws 400 once that is behind us.
 */
export function calculateTtl(input: TtlInput): { ttl: number; warnings: string[] } {
  const warnings: string[] = [];
  let maxTtl = input.maxTtl;
  if (input.explicitMaxTtl > 0 && input.explicitMaxTtl < maxTtl) maxTtl = input.explicitMaxTtl;

  let ttl: number;
  let maxValidUntil: number | undefined;
  if (input.period > 0) {
    ttl = input.period;
    if (ttl > maxTtl) {
      warnings.push(`period of "${formatDuration(ttl)}" exceeded the effective max_ttl of "${formatDuration(maxTtl)}"; period value is capped accordingly`);
      ttl = maxTtl;
    }
    if (input.explicitMaxTtl > 0) maxValidUntil = input.start + input.explicitMaxTtl;
  } else {
    ttl = input.increment > 0 ? input.increment : input.ttl > 0 ? input.ttl : input.defaultTtl;
    maxValidUntil = input.start + maxTtl;
  }

  if (maxValidUntil !== undefined) {
    const maxValidTtl = maxValidUntil - input.now;
    if (maxValidTtl <= 0) throw invalidRequest('past the max TTL, cannot renew');
    if (ttl > maxValidTtl) {
      warnings.push(`TTL of "${formatDuration(ttl)}" exceeded the effective max_ttl of "${formatDuration(maxValidTtl)}"; TTL value is capped accordingly`);
      ttl = maxValidTtl;
    }
  }
  return { ttl, warnings };
}
