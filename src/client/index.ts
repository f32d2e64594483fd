export { CofferClient } from './client.js';
export type { AuditDevice, AuditEnableRequest } from './audit-devices.js';
export type { MountMigration, MountRequest } from './mounts.js';
export type { InitRequest, InitResponse, RekeyTarget } from './operator.js';
export type { TokenCreateRequest } from './token.js';
export { CofferApiError, CofferConnectionError, isRetryable } from './errors.js';
export { ClientConfigError, DEFAULT_ADDRESS, type Env } from './environment.js';
export { KvClient, KvVersionError, kvApiPath, type KvLocation, type KvOptions, type KvResult } from './kv.js';
export type { AuthInfo, ClientConfig, RequestOptions, Secret, WrapInfo } from './types.js';
export { AuditChainVerifier, verifyAuditChain, type ChainAnchor, type ChainProblem, type ChainReport, type ChainFileSummary } from './audit-chain.js';
export { decodeRootToken, generateRootTokenOtp } from './root-token.js';
export {
  appRoleAuth,
  jwtAuth,
  kubernetesAuth,
  tokenAuth,
  userpassAuth,
  wrappedTokenAuth,
  KUBERNETES_TOKEN_PATH,
  LoginNotRepeatable,
  WRAPPED_TOKEN_PATHS,
  type AppRoleLogin,
  type Credential,
  type JwtLogin,
  type KubernetesLogin,
  type LoginMethod,
  type UserpassLogin,
  type WrappedTokenLogin,
} from './auth/methods.js';
export { AuthSession, type AuthSessionEvents, type AuthSessionOptions } from './auth/session.js';
export { LeasedSecret, type LeasedSecretEvents, type LeasedSecretOptions } from './leased-secret.js';
export type { CacheOptions, CacheStats } from './cache.js';
export { WrappingClient, WrappingTokenError, creationPathAllowed, type CreationPathRule, type WrappingFailure, type WrappingLookup } from './wrapping.js';
export type { Backoff } from './renewal.js';
export { SecretDistributor, type Handoff } from './distributor.js';
export { REDACTED, REDACT_OPTIONS, REDACT_PATHS, redact } from './redact.js';
export {
  TransitClient,
  type TransitBatchFailure,
  type TransitCiphertext,
  type TransitDecryptItem,
  type TransitDecryptOptions,
  type TransitDecryptResult,
  type TransitEncryptItem,
  type TransitEncryptOptions,
  type TransitEncryptResult,
  type TransitInput,
  type TransitKey,
  type TransitKeyConfig,
  type TransitKeyOptions,
  type TransitKeyType,
  type TransitPublicKeyVersion,
  type TransitHashAlgorithm,
  type TransitSignOptions,
  type TransitSignature,
  type TransitHmac,
  type TransitDataKey,
  type TransitExport,
  type TransitExportType,
} from './transit.js';
export {
  EnvSecretManager,
  getDefaultSecretManager,
  InvalidSecretKeyError,
  keyToPath,
  SecretKeyCollisionError,
  VaultSecretManager,
  type DefaultSecretManagerOptions,
  type EnvSecretManagerOptions,
  type SecretManager,
  type SecretManagerLogger,
  type VaultSecretManagerOptions,
} from './secret-manager/index.js';
