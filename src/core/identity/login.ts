import { randomUUID } from 'node:crypto';
import { invalidRequest } from '../../framework/errors.js';
import { aliasKey, aliasOps, entityKey, entityNameKey, entityOps, aliasNameKey, sameMap, type Alias, type Entity } from './model.js';
import type { IdentityStore, Plan } from './store.js';

/**
 * The entity behind a login (Vault's CreateOrFetchEntity): the alias (mount accessor + name) is
 * found or created, and with a new alias a new entity; the alias's metadata follows what the method
 * reports. A login that changes nothing writes nothing and does not wait for the write queue; one
 * that writes goes through the store's `commit`, planned again inside it, so it can never write
 * back an alias an operator changed in between (on this node: the queue; on another: the alias's
 * version). Refuses a disabled entity.
 */
export async function loginEntity(store: IdentityStore, mountAccessor: string, name: string, metadata: Record<string, string>): Promise<Entity> {
  const known = store.aliasByName(mountAccessor, name);
  if (known && sameMap(known.metadata, metadata)) return entityOf(store, known);
  return store.commit(() => planLogin(store, mountAccessor, name, metadata));
}

function planLogin(store: IdentityStore, mountAccessor: string, name: string, metadata: Record<string, string>): Plan<Entity> {
  const alias = store.aliasByName(mountAccessor, name);
  if (alias) {
    const entity = entityOf(store, alias);
    if (sameMap(alias.metadata, metadata)) return { ops: [], reads: [], result: entity };
    const updated: Alias = { ...alias, metadata, lastUpdateTime: store.now() };
    return { ops: [{ type: 'put', key: aliasKey(alias.id), value: updated }], reads: [aliasKey(alias.id)], result: entity };
  }
  const now = store.now();
  const id = randomUUID();
  const entity: Entity = { id, name: `entity_${id.slice(0, 8)}`, metadata: {}, policies: [], disabled: false, creationTime: now, lastUpdateTime: now };
  const created: Alias = { id: randomUUID(), canonicalId: id, mountAccessor, name, metadata, customMetadata: {}, creationTime: now, lastUpdateTime: now };
  // No `taken`: when another node created this alias first, the store refreshes it and the plan,
  // made again, finds it and uses it.
  return {
    ops: [...entityOps(entity), ...aliasOps(created)],
    reads: [entityKey(entity.id), aliasKey(created.id)],
    claims: [entityNameKey(entity.name), aliasNameKey(mountAccessor, name)],
    result: entity,
  };
}

function entityOf(store: IdentityStore, alias: Alias): Entity {
  const entity = store.entity(alias.canonicalId);
  if (!entity) throw new Error(`entity alias ${alias.id} points at a missing entity`);
  if (entity.disabled) throw invalidRequest('entity is disabled');
  return entity;
}
