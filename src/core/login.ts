import type { Core } from './core.js';
import { invalidRequest } from '../framework/errors.js';
import type { LoginResult, Resp } from '../framework/types.js';
import type { MountEntry } from './mounts.js';
import { authBlock } from './token/auth-block.js';
import type { RenewLimits, TokenEntry } from './token/index.js';

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

  const identity = core.identityIn(mount.namespace);
  const entity = await identity.entityForLogin(mount.accessor, login.alias.name, login.alias.metadata ?? {});
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
    ...(mount.namespace ? { namespaceId: mount.namespace.id } : {}),
  });
  core.metrics.tokenCreated(mount.type, `auth/${mount.path}`, mount.namespace?.path);
  warnings.push(...created.warnings);
  const resp: Resp = { auth: authBlock(created.entry, created.token, created.entry.ttl, identity.policiesFor(entity.id)) };
  if (warnings.length > 0) resp.warnings = warnings;
  return resp;
}

/** Vault prefixes the method's display name with the mount path: "userpass-alice", "approle". */
function displayName(mount: MountEntry, name: string): string {
  const source = mount.path.replace(/\//g, '-');
  return (source + name).replace(/-+$/, '');
}

/**
 * Vault's auth renew: a token made by a login renews only if the auth mount that issued it is
 * still there and its method agrees (user or role still exists...). Answers the limits the
 * renewal gets from the method's current settings, capped by the mount's tuned TTLs; undefined
 * for tokens no login made. Throws 400 to refuse.
 */
export async function checkLoginRenewal(core: Core, token: TokenEntry): Promise<RenewLimits | undefined> {
  if (!token.login) return undefined;
  const { mountAccessor, internal } = token.login;
  const mount = core.mounts.list('auth').find((m) => m.accessor === mountAccessor);
  const backend = mount && core.backend(core.mounts.routeKey(mount));
  if (!mount || !backend) throw invalidRequest('the auth method that issued this token is no longer enabled, not renewing');
  if (!backend.renewLogin) throw invalidRequest("this auth type doesn't support renew");
  const current = (await backend.renewLogin({ internal, policies: token.policies, meta: token.meta }, core.mountStorage(mount), mount)) ?? {};
  const mountDefault = mount.config.default_lease_ttl || core.tokens.defaultTtl;
  const mountMax = mount.config.max_lease_ttl || core.tokens.maxTtl;
  return {
    ttl: current.ttl || mountDefault,
    maxTtl: current.maxTtl ? Math.min(current.maxTtl, mountMax) : mountMax,
    ...(current.period !== undefined ? { period: current.period } : {}),
  };
}
