import type { MountEntry } from './mounts.js';

/** Where the core keeps each of its areas inside the barrier (keys from the storage root). */
export const AREA = {
  mounts: 'core/mounts/',
  tokenSalt: 'core/token-salt',
  cluster: 'core/cluster',
  tokens: 'sys/token/',
  policies: 'sys/policy/',
  identity: 'sys/identity/',
  audit: 'core/audit/',
  quotas: 'sys/quotas/',
  dataKeyRoot: 'core/data-keys/local-root',
  kmsRewrap: 'core/kms-rewrap/',
  leases: 'sys/expire/',
  namespaces: 'core/namespaces/',
  /** A namespace's own policies, under `<namespace id>/` (the root's stay under `policies`). */
  namespacePolicies: 'sys/namespace-policy/',
  /** A namespace's own identity store (entities, aliases, groups), under `<namespace id>/`. */
  namespaceIdentity: 'sys/namespace-identity/',
} as const;

/** Storage prefix of a mount's data: secret engines under logical/, auth methods under auth/. */
export function mountPrefix(entry: MountEntry): string {
  return entry.table === 'auth' ? `auth/${entry.uuid}/` : `logical/${entry.uuid}/`;
}
