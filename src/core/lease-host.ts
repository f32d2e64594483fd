import type { Core } from './core.js';
import type { LeaseHost } from './leases/index.js';
import type { MountEntry } from './mounts.js';
import type { TokenEntry } from './token/index.js';

/** What the expiration manager sees of the core: backends by mount uuid, mount TTLs, token lifetimes. */
export function leaseHostOf(core: Core, isActive: () => boolean): LeaseHost {
  const mountByUuid = (uuid: string): MountEntry | undefined =>
    core.mounts.list('secret').find((m) => m.uuid === uuid) ?? core.mounts.list('auth').find((m) => m.uuid === uuid);
  return {
    secretOf(lease) {
      const mount = mountByUuid(lease.mountUuid);
      const type = mount && core.backend(core.mounts.routeKey(mount))?.secrets?.[lease.secretType];
      return mount && type ? { type, store: core.mountStorage(mount), mount } : undefined;
    },
    mountTtls(uuid) {
      const mount = mountByUuid(uuid);
      return mountLeaseTtls(core, mount);
    },
    async tokenEnd(tokenId) {
      const token = await core.tokens.lookupById(tokenId);
      return token && tokenEnd(token, core.tokens.maxTtl);
    },
    isActive,
    logger: core.logger,
  };
}

/** A mount's lease TTLs in seconds: as tuned, else the system's (768h). */
export function mountLeaseTtls(core: Core, mount: MountEntry | undefined): { defaultTtl: number; maxTtl: number } {
  const maxTtl = mount?.config.max_lease_ttl || core.tokens.maxTtl;
  return { defaultTtl: Math.min(mount?.config.default_lease_ttl || core.tokens.defaultTtl, maxTtl), maxTtl };
}

/**
 * The latest a token can live, renewals included (unix ms), or undefined when it has no end (root,
 * or periodic without an explicit max): a lease is never given more.
 */
function tokenEnd(token: TokenEntry, systemMaxTtl: number): number | undefined {
  if (token.expireTime === 0) return undefined;
  if (!token.renewable) return token.expireTime;
  const explicit = token.explicitMaxTtl > 0 ? token.issueTime + token.explicitMaxTtl * 1000 : Infinity;
  if (token.period > 0) return explicit === Infinity ? undefined : explicit;
  return Math.min(token.issueTime + (token.maxTtl || systemMaxTtl) * 1000, explicit);
}
