// The token store's public surface: the store, its entries and what its methods take and answer.
export { TokenStore, type TokenStoreOptions, type TokenUse } from './store.js';
export { REVOCATION_PENDING, type LoginOrigin, type TokenEntry } from './entry.js';
export type { CreateTokenParams, CreatedToken } from './create.js';
export type { LookupOptions } from './lookup.js';
export type { RenewLimits } from './renewal.js';
export type { TidyResult } from './tidy.js';
export { DEFAULT_SYSTEM_TTL } from './ttl.js';
