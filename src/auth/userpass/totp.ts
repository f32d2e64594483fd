import { Secret, TOTP } from 'otpauth';
import { invalidRequest } from '../../framework/errors.js';
import type { MountStorage } from '../../framework/types.js';
import { commit, totpKey } from './user-store.js';

// Coffer's own, simple per-user TOTP second factor. Vault's login MFA is a separate subsystem
// (identity/mfa/method/totp plus login enforcements, with an mfa_requirement round trip); this is
// not that API: a user of this mount gets a seed at users/:username/mfa/totp and sends the
// current code as "totp" next to the password.

export type TotpAlgorithm = 'SHA1' | 'SHA256' | 'SHA512';
const ALGORITHMS: readonly TotpAlgorithm[] = ['SHA1', 'SHA256', 'SHA512'];
/** RFC 4226 §4 asks for a key as long as the HMAC's output. */
const SECRET_BYTES: Record<TotpAlgorithm, number> = { SHA1: 20, SHA256: 32, SHA512: 64 };
/** Codes one step early or late are accepted: clocks drift and people type slowly. */
const SKEW_STEPS = 1;

/** A user's TOTP configuration as stored (inside the barrier: the seed cannot be hashed, it must be used). */
export interface TotpEntry {
  /** Base32 seed. */
  secret: string;
  issuer: string;
  accountName: string;
  algorithm: TotpAlgorithm;
  digits: number;
  period: number;
  /** The time step of the last accepted code; a code is accepted only for a later step (no replay). */
  lastUsedStep: number;
  /** The time step in which `failedAttempts` wrong codes were sent (absent in entries written before the limit). */
  failedStep?: number;
  failedAttempts?: number;
}

export interface TotpOptions {
  issuer: string;
  accountName: string;
  algorithm: string;
  digits: number;
  period: number;
}

/** Validates the options and makes a fresh random seed; 400 on bad options. */
export function newTotp(options: TotpOptions): TotpEntry {
  const algorithm = options.algorithm.toUpperCase() as TotpAlgorithm;
  if (!ALGORITHMS.includes(algorithm)) throw invalidRequest(`invalid algorithm "${options.algorithm}": use SHA1, SHA256 or SHA512`);
  if (options.digits !== 6 && options.digits !== 8) throw invalidRequest('"digits" must be 6 or 8');
  if (options.period < 1) throw invalidRequest('"period" must be at least one second');
  // ":" separates issuer from account in an otpauth:// label; authenticator apps would split there.
  for (const [name, value] of [['issuer', options.issuer], ['account_name', options.accountName]] as const) {
    if (value === '' || value.includes(':')) throw invalidRequest(`"${name}" must be non-empty and may not contain ":"`);
  }
  const secret = new Secret({ size: SECRET_BYTES[algorithm] }).base32;
  return { secret, issuer: options.issuer, accountName: options.accountName, algorithm, digits: options.digits, period: options.period, lastUsedStep: 0 };
}

/** The otpauth:// URL an authenticator app imports (Key URI Format). */
export function totpUrl(entry: TotpEntry): string {
  return totpOf(entry).toString();
}

function totpOf(entry: TotpEntry): TOTP {
  return new TOTP({
    issuer: entry.issuer,
    label: entry.accountName,
    secret: Secret.fromBase32(entry.secret),
    algorithm: entry.algorithm,
    digits: entry.digits,
    period: entry.period,
  });
}

/** The time step `code` belongs to (within the allowed skew), or undefined when it matches none. */
function matchingStep(entry: TotpEntry, code: string, now: number): number | undefined {
  if (!new RegExp(`^\\d{${entry.digits}}$`).test(code)) return undefined;
  const delta = totpOf(entry).validate({ token: code, timestamp: now, window: SKEW_STEPS });
  if (delta === null) return undefined;
  return TOTP.counter({ period: entry.period, timestamp: now }) + delta;
}

export type TotpCheck = 'not-enabled' | 'missing' | 'accepted' | 'rejected' | 'locked';

const ATTEMPTS = 10;
/**
 * Wrong codes allowed per time step (Vault's TOTP MFA max_validation_attempts, default 5): without
 * a limit, someone who has the password could try codes until one of the ~3 valid ones comes up.
 * Once reached, every code (even the right one) is refused until the next step begins.
 */
export const MAX_FAILED_ATTEMPTS = 5;

/**
 * Checks a login's TOTP code for `username` and, when it is good, records its time step in one
 * transaction conditioned on the entry's version, so that a code is accepted at most once even
 * when the same code arrives in concurrent logins: the loser re-reads, sees its step used, and
 * is refused.
 */
export async function checkTotp(store: MountStorage, username: string, code: string, now = Date.now()): Promise<TotpCheck> {
  const key = totpKey(username);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const current = await store.getVersioned<TotpEntry>(key);
    if (!current) return 'not-enabled';
    if (code === '') return 'missing';
    const entry = current.value;
    const nowStep = TOTP.counter({ period: entry.period, timestamp: now });
    const failed = entry.failedStep === nowStep ? (entry.failedAttempts ?? 0) : 0;
    if (failed >= MAX_FAILED_ATTEMPTS) return 'locked';
    const step = matchingStep(entry, code, now);
    // A replayed code is refused, but it is not a guess: only a code matching no step counts.
    if (step !== undefined && step <= entry.lastUsedStep) return 'rejected';
    // A wrong code is counted in the same version-conditioned write as a right one is recorded, so
    // concurrent guesses cannot get past the limit, and a right code is taken only below it.
    const updated: TotpEntry = step !== undefined ? { ...entry, lastUsedStep: step } : { ...entry, failedStep: nowStep, failedAttempts: failed + 1 };
    if (await commit(store, [{ type: 'put', key, value: updated }], [{ type: 'version', key, version: current.version }])) return step !== undefined ? 'accepted' : 'rejected';
  }
  return 'rejected';
}
