export type { SecretManager, SecretManagerLogger } from './types.js';
export { VaultSecretManager, ORIGINAL_KEY_METADATA, type VaultSecretManagerOptions } from './vault.js';
export { EnvSecretManager, envVariableName, type EnvSecretManagerOptions } from './env.js';
export { getDefaultSecretManager, type DefaultSecretManagerOptions } from './default.js';
export { InvalidSecretKeyError, SecretKeyCollisionError } from './errors.js';
export { keyToPath } from './keys.js';
export { stderrLogger } from './logger.js';
