import type { Logger } from 'pino';
import { ConditionFailed } from '../framework/types.js';
import type { Core } from './core.js';

/** The environment variable naming the bootstrap token's value. */
export const BOOTSTRAP_TOKEN_ENV = 'COFFER_BOOTSTRAP_TOKEN';
/** The display name of the token it creates. */
export const BOOTSTRAP_DISPLAY_NAME = 'bootstrap-admin';
/**
 * Marks a store that has had its bootstrap token, in the barrier. Once there, the token is never
 * made again: an operator who revoked it (as advised) does not get it back on the next restart.
 */
const MARKER_KEY = 'core/bootstrap-token';

interface BootstrapMarker {
  /** The token's storage id (a salted hash), never the token. */
  token_id: string;
  created_at: string;
}

/**
 * COFFER_BOOTSTRAP_TOKEN: once per store, a root-policy, orphan, never-expiring token with the
 * given value, so automation can start without a human running init. Every node and every restart
 * with the same value agrees on the one token (the marker and the token land in one transaction);
 * the value is never logged.
 */
export async function ensureBootstrapToken(core: Core, value: string | undefined, logger: Logger): Promise<void> {
  if (value === undefined || value === '') return;
  if (/\s/.test(value)) throw new Error(`${BOOTSTRAP_TOKEN_ENV} must not contain whitespace`);
  const tokens = core.tokens;
  const wanted = tokens.hashToken(value);
  const marker = await core.rootStorage.get<BootstrapMarker>(MARKER_KEY);
  if (marker) {
    if (marker.token_id !== wanted) logger.warn(`${BOOTSTRAP_TOKEN_ENV} differs from the value this store was bootstrapped with; it is ignored`);
    return;
  }
  const { entry, ops, conditions } = await tokens.prepareCreate({
    id: value,
    policies: ['root'],
    noParent: true,
    displayName: BOOTSTRAP_DISPLAY_NAME,
    path: 'auth/token/bootstrap',
  });
  try {
    await core.rootStorage.transaction(
      [...tokens.rooted(ops), { type: 'put', key: MARKER_KEY, value: { token_id: entry.id, created_at: new Date().toISOString() } satisfies BootstrapMarker }],
      [...tokens.rooted(conditions), { type: 'absent', key: MARKER_KEY }],
    );
  } catch (err) {
    // Another node (or an earlier start) made it first: the same value, so the same token.
    if (err instanceof ConditionFailed) return;
    throw err;
  }
  logger.warn({ accessor: entry.accessor }, `created the ${BOOTSTRAP_DISPLAY_NAME} token from ${BOOTSTRAP_TOKEN_ENV} (root policy, no TTL): revoke it once real tokens exist`);
}
