import type { Core } from './core.js';
import type { LoginResult, Resp } from '../framework/types.js';
import type { MountEntry } from './mounts.js';
import { authBlock } from './token/auth-block.js';

/**
 * Turns an auth method's LoginResult into a token (Vault's handleLoginRequest): the mount's TTL
 * limits apply, the alias is mapped to an identity entity (created on first login), and the token
 * is an orphan carrying the entity, bound CIDRs and a max TTL that also bounds its renewals.
 */
export async function completeLogin(core: Core, mount: MountEntry, path: string, login: LoginResult): Promise<Resp> {
  const tokens = core.tokens;
  const mountDefault = mount.config.default_lease_ttl || tokens.defaultTtl;
  const mountMax = mount.config.max_lease_ttl || tokens.maxTtl;
  const maxTtl = login.maxTtl ? Math.min(login.maxTtl, mountMax) : mountMax;
  const warnings: string[] = [];
  let ttl = login.period ? 0 : login.ttl || mountDefault;
  if (ttl > maxTtl) {
    warnings.push(`TTL of "${ttl}s" exceeded the effective max_ttl of "${maxTtl}s"; TTL value is capped accordingly`);
    ttl = maxTtl;
  }

  const entity = await core.identity.entityForLogin(mount.accessor, login.alias.name, login.alias.metadata ?? {});
  const created = await tokens.create({
    policies: login.policies,
    noDefaultPolicy: login.noDefaultPolicy ?? false,
    noParent: true,
    ttl,
    maxTtl,
    explicitMaxTtl: login.explicitMaxTtl ?? 0,
    period: login.period ?? 0,
    numUses: login.numUses ?? 0,
    renewable: login.renewable ?? true,
    meta: login.metadata ?? {},
    displayName: displayName(mount, login.displayName ?? ''),
    path,
    entityId: entity.id,
    boundCidrs: login.boundCidrs ?? [],
    // Renewals go back to this mount (by accessor: a remount at the same path is another mount).
    login: { mountAccessor: mount.accessor, internal: { ...(login.internal ?? {}) } },
  });
  core.metrics.tokenCreated(mount.type, `auth/${mount.path}`);
  warnings.push(...created.warnings);
  const resp: Resp = { auth: authBlock(created.entry, created.token, created.entry.ttl, core.identity.policiesFor(entity.id)) };
  if (warnings.length > 0) resp.warnings = warnings;
  return resp;
}

/** Vault prefixes the method's display name with the mount path: "userpass-alice", "approle". */
function displayName(mount: MountEntry, name: string): string {
  const source = mount.path.replace(/\//g, '-');
  return (source + name).replace(/-+$/, '');
}
