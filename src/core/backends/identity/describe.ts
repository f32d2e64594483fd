import type { Core } from '../../core.js';
import type { Alias, Entity, Group, IdentityStore } from '../../identity/store.js';

// Response shapes of Vault's identity store (vault/identity_store_{entities,aliases,groups}.go as
// documented at /identity/entity, /identity/entity-alias, /identity/group). Vault answers null for
// a map or id list it never set; the same is done here so that clients see the same JSON.

/** Where the auth mount of an alias is, as Vault's router reports it ("auth/userpass/", "userpass"). */
export interface AliasMount {
  mount_path: string;
  mount_type: string;
}

/** The auth mount with this accessor; empty when it was disabled since (Vault then omits both keys). */
export function aliasMount(core: Core, accessor: string): Partial<AliasMount> {
  const mount = core.mounts.list('auth').find((m) => m.accessor === accessor);
  return mount ? { mount_path: `auth/${mount.path}`, mount_type: mount.type } : {};
}

/** RFC 3339 in UTC, as Vault formats protobuf timestamps. */
export function timestamp(ms: number): string {
  return new Date(ms).toISOString();
}

const mapOrNull = (map: Record<string, string>) => (Object.keys(map).length > 0 ? map : null);
const listOrNull = (list: string[]) => (list.length > 0 ? list : null);

/** An alias as identity/entity-alias/id/:id reads it (and as it appears inside an entity). */
export function describeAlias(core: Core, alias: Alias): Record<string, unknown> {
  return {
    id: alias.id,
    canonical_id: alias.canonicalId,
    mount_accessor: alias.mountAccessor,
    ...aliasMount(core, alias.mountAccessor),
    name: alias.name,
    metadata: mapOrNull(alias.metadata),
    custom_metadata: mapOrNull(alias.customMetadata),
    creation_time: timestamp(alias.creationTime),
    last_update_time: timestamp(alias.lastUpdateTime),
    local: false,
    merged_from_canonical_ids: null,
    // An alias is in its auth method's namespace.
    namespace_id: core.mounts.list('auth').find((m) => m.accessor === alias.mountAccessor)?.namespace?.id ?? 'root',
  };
}

/** An entity as identity/entity/id/:id reads it: aliases in full, direct and inherited groups. */
export function describeEntity(core: Core, store: IdentityStore, entity: Entity): Record<string, unknown> {
  const direct = store.directGroupsOf(entity.id).map((g) => g.id).sort();
  const all = store.groupsOf(entity.id).map((g) => g.id);
  const inherited = all.filter((id) => !direct.includes(id)).sort();
  return {
    id: entity.id,
    name: entity.name,
    metadata: mapOrNull(entity.metadata),
    policies: entity.policies,
    disabled: entity.disabled,
    aliases: store.aliasesOf(entity.id).map((alias) => describeAlias(core, alias)),
    direct_group_ids: direct,
    inherited_group_ids: inherited,
    group_ids: [...direct, ...inherited],
    creation_time: timestamp(entity.creationTime),
    last_update_time: timestamp(entity.lastUpdateTime),
    merged_entity_ids: null,
    namespace_id: store.namespaceId,
    bucket_key: '',
  };
}

/** A group as identity/group/id/:id reads it. Only internal groups exist, so `alias` is always {}. */
export function describeGroup(store: IdentityStore, group: Group): Record<string, unknown> {
  return {
    id: group.id,
    name: group.name,
    type: 'internal',
    policies: group.policies,
    metadata: mapOrNull(group.metadata),
    member_entity_ids: group.memberEntityIds,
    member_group_ids: listOrNull(group.memberGroupIds),
    parent_group_ids: listOrNull(store.parentGroupsOf(group.id).map((g) => g.id).sort()),
    alias: {},
    creation_time: timestamp(group.creationTime),
    last_update_time: timestamp(group.lastUpdateTime),
    namespace_id: store.namespaceId,
  };
}

/** key_info of an entity in LIST identity/entity/{id,name}. */
export function entityKeyInfo(core: Core, store: IdentityStore, entity: Entity): Record<string, unknown> {
  const aliases = store.aliasesOf(entity.id).map((alias) => ({
    id: alias.id,
    name: alias.name,
    mount_accessor: alias.mountAccessor,
    ...aliasMount(core, alias.mountAccessor),
  }));
  return aliases.length > 0 ? { name: entity.name, aliases } : { name: entity.name };
}

/** key_info of an alias in LIST identity/entity-alias/id. */
export function aliasKeyInfo(core: Core, alias: Alias): Record<string, unknown> {
  return {
    canonical_id: alias.canonicalId,
    custom_metadata: mapOrNull(alias.customMetadata),
    local: false,
    mount_accessor: alias.mountAccessor,
    ...aliasMount(core, alias.mountAccessor),
    name: alias.name,
  };
}

/** key_info of a group in LIST identity/group/{id,name}. */
export function groupKeyInfo(store: IdentityStore, group: Group): Record<string, unknown> {
  return {
    name: group.name,
    num_member_entities: group.memberEntityIds.length,
    num_parent_groups: store.parentGroupsOf(group.id).length,
  };
}

/**
 * Vault's list answer: sorted keys with key_info keyed like the keys (Vault keys the info of a
 * by-name list by id, which no client can match to a key; here each key finds its own info).
 * An empty list is a 404, as Vault's HTTP layer answers.
 */
export function listing<T>(items: T[], key: (item: T) => string, info: (item: T) => Record<string, unknown>) {
  const sorted = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const keyInfo: Record<string, unknown> = {};
  for (const item of sorted) keyInfo[key(item)] = info(item);
  return { keys: sorted.map(key), key_info: keyInfo };
}
