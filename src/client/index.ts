export { CofferClient, type AuditDevice, type AuditEnableRequest, type AuthMountRequest, type InitRequest, type InitResponse, type MountMigration, type MountRequest, type RekeyTarget, type TokenCreateRequest } from './client.js';
export { CofferApiError, CofferConnectionError } from './errors.js';
export { KvClient, KvVersionError, kvApiPath, type KvLocation, type KvOptions, type KvResult } from './kv.js';
export type { AuthInfo, ClientConfig, RequestOptions, Secret, WrapInfo } from './types.js';
export { AuditChainVerifier, verifyAuditChain, type ChainAnchor, type ChainProblem, type ChainReport, type ChainFileSummary } from './audit-chain.js';
export { decodeRootToken, generateRootTokenOtp } from './root-token.js';
