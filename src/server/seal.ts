import type { Logger } from 'pino';
import type { Kms } from '../kms/kms.js';
import { ephemeralLocalKms, LOCAL_MASTER_KEY_ENV, localKmsFromEnvOrFile } from '../kms/local.js';
import type { ServerConfig } from './config.js';

/** The warning a server with a throwaway local key logs at start. */
export const EPHEMERAL_KEY_WARNING = `no ${LOCAL_MASTER_KEY_ENV} and no seal "local" key_file: using a random ephemeral key; data will not survive a restart`;

/**
 * The KMS that wraps the barrier's root key, or undefined for `seal "shamir"` (the unseal key,
 * reconstructed from shares at sys/unseal, wraps it instead). The local seal with neither the
 * environment variable nor a key file runs on an ephemeral key, loudly (the seed's choice).
 */
export function configuredSealKms(config: ServerConfig, dev: boolean, logger: Logger, env: NodeJS.ProcessEnv = process.env): Kms | undefined {
  if (dev) return ephemeralLocalKms();
  const seal = config.seal;
  // shamir: no KMS at all; provider seals (awskms, transit, pkcs11) are opened by their own modules.
  if (seal.type !== 'local') return undefined;
  if (seal.keyFile === undefined && !env[LOCAL_MASTER_KEY_ENV]) {
    logger.warn(EPHEMERAL_KEY_WARNING);
    return ephemeralLocalKms();
  }
  return localKmsFromEnvOrFile({ keyFile: seal.keyFile, env });
}
