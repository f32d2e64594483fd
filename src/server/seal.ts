import type { Logger } from 'pino';
import type { Kms } from '../kms/kms.js';
import { ephemeralLocalKms, LOCAL_MASTER_KEY_ENV, localKmsFromEnvOrFile } from '../kms/local.js';
import type { ServerConfig } from './config.js';

/** The warning a server with a throwaway local key (`ephemeral = true`) logs at start. */
export const EPHEMERAL_KEY_WARNING = `seal "local" with ephemeral = true: using a random ephemeral key; data will not survive a restart`;

/** Why a local seal with no key refuses to start: names the key and both ways to give it. */
export const MISSING_LOCAL_KEY_ERROR =
  `seal "local" has no key: set ${LOCAL_MASTER_KEY_ENV} to a base64-encoded 32-byte key, or key_file = "PATH" in the seal "local" stanza ` +
  '(or ephemeral = true to run on a random key whose data will not survive a restart)';

/**
 * The KMS that wraps the barrier's root key, or undefined for `seal "shamir"` (the unseal key,
 * reconstructed from shares at sys/unseal, wraps it instead). A local seal needs its key from the
 * environment or a key file; only `ephemeral = true` (and -dev) runs on a random key, loudly.
 * Throws MISSING_LOCAL_KEY_ERROR otherwise, before anything is opened.
 */
export function configuredSealKms(config: ServerConfig, dev: boolean, logger: Logger, env: NodeJS.ProcessEnv = process.env): Kms | undefined {
  if (dev) return ephemeralLocalKms();
  const seal = config.seal;
  // shamir: no KMS at all; provider seals (awskms, transit, pkcs11) are opened by their own modules.
  if (seal.type !== 'local') return undefined;
  if (seal.ephemeral) {
    logger.warn(EPHEMERAL_KEY_WARNING);
    return ephemeralLocalKms();
  }
  if (seal.keyFile === undefined && !env[LOCAL_MASTER_KEY_ENV]) throw new Error(MISSING_LOCAL_KEY_ERROR);
  return localKmsFromEnvOrFile({ keyFile: seal.keyFile, env });
}

/** Whether the server's seal key dies with the process (-dev, or seal "local" with ephemeral = true). */
export function sealIsEphemeral(config: ServerConfig, dev: boolean): boolean {
  return dev || (config.seal.type === 'local' && config.seal.ephemeral === true);
}
