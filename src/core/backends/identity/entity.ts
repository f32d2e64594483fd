import type { IdentityStore } from '../../identity/store.js';
import type { Core } from '../../core.js';
import { invalidRequest } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { definePath, noContent, notFound, ok, type PathDef, type Req, type Resp } from '../../../framework/types.js';
import type { Entity, EntityInput } from '../../identity/store.js';
import { describeEntity, entityKeyInfo, listing } from './describe.js';
import { parseKeyValuePairs } from './input.js';
import { lookupFields, requireOneCriterion, type LookupReq } from './lookup.js';

// identity/entity, identity/entity/id/:id, identity/entity/name/:name and identity/lookup/entity
// (Vault: /identity/entity, /identity/lookup/entity).

const entityFields = {
  id: field.string({ description: 'ID of the entity; if set, updates that entity.' }),
  name: field.string({ description: 'Name of the entity.' }),
  metadata: field.any({ description: 'Key/value pairs attached to the entity (policy templates can read them).' }),
  policies: field.strings({ description: 'Policies tied to the entity.' }),
  disabled: field.bool({ description: 'Tokens of a disabled entity cannot be used.' }),
};
type EntityReq = Req<typeof entityFields>;

/** The changes a write asks for: only the fields it sent (Vault keeps the others). */
function entityInput(req: EntityReq): EntityInput {
  const input: EntityInput = {};
  if (req.fields.name) input.name = req.fields.name;
  if (req.provided('metadata')) input.metadata = parseKeyValuePairs(req.fields.metadata, 'metadata');
  if (req.provided('policies')) input.policies = req.fields.policies;
  if (req.provided('disabled')) input.disabled = req.fields.disabled;
  return input;
}

/** Vault answers a new entity's id and name, and an update with 204. */
const created = (entity: Entity): Resp => ok({ id: entity.id, name: entity.name, aliases: null });

export function entityPaths(core: Core, identityStore: () => IdentityStore): PathDef[] {
  /**
   * Vault's handleEntityUpdateCommon: the entity is the one named by `id` (400 when missing), else
   * the one with `name`, else a new one. A name held by another entity is refused.
   */
  async function upsert(req: EntityReq): Promise<Resp> {
    const identity = identityStore();
    const input = entityInput(req);
    if (!req.fields.id) {
      if (!input.name) return created(await identity.writeEntity(input));
      const { entity, created: isNew } = await identity.upsertEntityByName(input.name, input);
      return isNew ? created(entity) : noContent();
    }
    const target = identity.entity(req.fields.id);
    if (!target) throw invalidRequest('entity not found from id');
    const byName = input.name ? identity.entityByName(input.name) : undefined;
    if (byName && byName.id !== target.id) throw invalidRequest('entity name is already in use');
    await identity.writeEntity(input, target.id);
    return noContent();
  }

  async function updateById(req: EntityReq): Promise<Resp> {
    if (!req.fields.id) throw invalidRequest('missing entity id');
    return upsert(req);
  }

  async function readById(req: EntityReq): Promise<Resp> {
    if (!req.fields.id) throw invalidRequest('missing entity id');
    const entity = identityStore().entity(req.fields.id);
    return entity ? ok(describeEntity(core, identityStore(), entity)) : notFound();
  }

  async function readByName(req: EntityReq): Promise<Resp> {
    if (!req.fields.name) throw invalidRequest('missing entity name');
    const entity = identityStore().entityByName(req.fields.name);
    return entity ? ok(describeEntity(core, identityStore(), entity)) : notFound();
  }

  async function deleteById(req: EntityReq): Promise<Resp> {
    if (!req.fields.id) throw invalidRequest('missing entity id');
    await identityStore().deleteEntity(req.fields.id);
    return noContent();
  }

  async function deleteByName(req: EntityReq): Promise<Resp> {
    if (!req.fields.name) throw invalidRequest('missing entity name');
    const entity = identityStore().entityByName(req.fields.name);
    if (entity) await identityStore().deleteEntity(entity.id);
    return noContent();
  }

  async function updateByName(req: EntityReq): Promise<Resp> {
    if (!req.fields.name) throw invalidRequest('missing entity name');
    return upsert(req);
  }

  function list(by: 'id' | 'name') {
    return async (): Promise<Resp> => {
      const entities = identityStore().listEntities();
      if (entities.length === 0) return notFound();
      const key = by === 'id' ? (e: Entity) => e.id : (e: Entity) => e.name;
      return ok(listing(entities, key, (e) => entityKeyInfo(core, identityStore(), e)));
    };
  }

  /** Vault's lookup/entity: exactly one criterion (alias_name goes with alias_mount_accessor); 204 when nothing matches. */
  async function lookup(req: LookupReq): Promise<Resp> {
    requireOneCriterion(req.fields);
    const { id, name, alias_id: aliasId, alias_name: aliasName, alias_mount_accessor: accessor } = req.fields;
    if ((aliasName === '') !== (accessor === '')) throw invalidRequest("'alias_name' and 'alias_mount_accessor' must be supplied together");
    const identity = identityStore();
    let entity: Entity | undefined;
    if (id) entity = identity.entity(id);
    else if (name) entity = identity.entityByName(name);
    else {
      const alias = aliasId ? identity.alias(aliasId) : identity.aliasByName(accessor, aliasName);
      entity = alias && identity.entity(alias.canonicalId);
    }
    return entity ? ok(describeEntity(core, identity, entity)) : noContent();
  }

  return [
    definePath({
      pattern: 'entity',
      fields: entityFields,
      operations: { update: upsert },
      description: 'Create an entity, or update the one named by id or name.',
    }),
    definePath({
      pattern: 'entity/id/:id*',
      fields: entityFields,
      // LIST identity/entity/id (with or without the trailing slash) lands here with no id.
      operations: { read: readById, update: updateById, delete: deleteById, list: list('id') },
      description: 'Read, update or delete an entity by id; list entity ids.',
    }),
    definePath({
      pattern: 'entity/name/:name*',
      fields: entityFields,
      // LIST identity/entity/name (with or without the trailing slash) lands here with no name.
      operations: { read: readByName, update: updateByName, delete: deleteByName, list: list('name') },
      description: 'Create, read, update or delete an entity by name; list entity names.',
    }),
    definePath({
      pattern: 'lookup/entity',
      fields: lookupFields,
      operations: { update: lookup },
      description: 'Find an entity by id, name, alias id, or alias name and mount accessor.',
    }),
  ];
}
