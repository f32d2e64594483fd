/** Leases: the expiration manager (registration, renewal, revocation, expiry) and what it stores. */
export { ExpirationManager, DEFAULT_EXPIRATION, type ExpirationSettings, type LeaseAnswer, type LeaseHost } from './manager.js';
export type { LeaseEntry } from './entry.js';
export { publicLeaseId, storedLeaseId } from './namespaced-ids.js';
