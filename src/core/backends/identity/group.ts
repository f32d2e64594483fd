import type { IdentityStore } from '../../identity/store.js';
import type { Core } from '../../core.js';
import { invalidRequest } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { definePath, noContent, notFound, ok, type PathDef, type Req, type Resp } from '../../../framework/types.js';
import type { Group, GroupInput } from '../../identity/store.js';
import { describeGroup, groupKeyInfo, listing } from './describe.js';
import { parseKeyValuePairs } from './input.js';
import { lookupFields, requireOneCriterion, type LookupReq } from './lookup.js';

// identity/group, identity/group/id/:id, identity/group/name/:name and identity/lookup/group
// (Vault: /identity/group, /identity/lookup/group). Only internal groups: external groups take
// their members from an auth method's group aliases, which Coffer does not have.

const groupFields = {
  id: field.string({ description: 'ID of the group; if set, updates that group.' }),
  name: field.string({ description: 'Name of the group.' }),
  type: field.string({ description: 'Type of the group; only "internal" is supported.' }),
  metadata: field.any({ description: 'Key/value pairs attached to the group.' }),
  policies: field.strings({ description: 'Policies every member gets.' }),
  member_entity_ids: field.strings({ description: 'Entities that are members.' }),
  member_group_ids: field.strings({ description: 'Groups that are members (they and their members get this group’s policies).' }),
};
type GroupReq = Req<typeof groupFields>;

function groupInput(req: GroupReq): GroupInput {
  if (req.provided('type') && req.fields.type !== 'internal') {
    if (req.fields.type === 'external') {
      throw invalidRequest('external groups are not supported: Coffer has internal groups only (their members are set with member_entity_ids and member_group_ids)');
    }
    throw invalidRequest(`invalid group type "${req.fields.type}"`);
  }
  const input: GroupInput = {};
  if (req.fields.name) input.name = req.fields.name;
  if (req.provided('metadata')) input.metadata = parseKeyValuePairs(req.fields.metadata, 'metadata');
  if (req.provided('policies')) input.policies = req.fields.policies;
  if (req.provided('member_entity_ids')) input.memberEntityIds = req.fields.member_entity_ids;
  if (req.provided('member_group_ids')) input.memberGroupIds = req.fields.member_group_ids;
  return input;
}

export function groupPaths(core: Core, identityStore: () => IdentityStore): PathDef[] {
  /** Vault's handleGroupUpdateCommon: a new group answers its id and name, an update 204. */
  async function save(req: GroupReq, target: Group | undefined): Promise<Resp> {
    const input = groupInput(req);
    if (input.name) {
      const byName = identityStore().groupByName(input.name);
      if (byName && byName.id !== target?.id) throw invalidRequest('group name is already in use');
    }
    const group = await identityStore().writeGroup(input, target?.id);
    return target ? noContent() : ok({ id: group.id, name: group.name });
  }

  /** Creates or updates the group with the request's name, decided in the store's write queue. */
  async function saveByName(req: GroupReq): Promise<Resp> {
    const { group, created } = await identityStore().upsertGroupByName(req.fields.name, groupInput(req));
    return created ? ok({ id: group.id, name: group.name }) : noContent();
  }

  /** identity/group: the group named by id (400 when missing), else by name, else a new one. */
  async function register(req: GroupReq): Promise<Resp> {
    if (req.fields.id) return updateById(req);
    return req.fields.name ? saveByName(req) : save(req, undefined);
  }

  async function updateById(req: GroupReq): Promise<Resp> {
    if (!req.fields.id) throw invalidRequest('empty group ID');
    const group = identityStore().group(req.fields.id);
    if (!group) throw invalidRequest('invalid group ID');
    return save(req, group);
  }

  async function updateByName(req: GroupReq): Promise<Resp> {
    if (!req.fields.name) throw invalidRequest('empty group name');
    return saveByName(req);
  }

  const found = (group: Group | undefined): Resp => (group ? ok(describeGroup(identityStore(), group)) : notFound());

  async function readById(req: GroupReq): Promise<Resp> {
    if (!req.fields.id) throw invalidRequest('empty group id');
    return found(identityStore().group(req.fields.id));
  }

  async function readByName(req: GroupReq): Promise<Resp> {
    if (!req.fields.name) throw invalidRequest('empty group name');
    return found(identityStore().groupByName(req.fields.name));
  }

  async function deleteById(req: GroupReq): Promise<Resp> {
    if (!req.fields.id) throw invalidRequest('empty group ID');
    await identityStore().deleteGroup(req.fields.id);
    return noContent();
  }

  async function deleteByName(req: GroupReq): Promise<Resp> {
    if (!req.fields.name) throw invalidRequest('empty group name');
    const group = identityStore().groupByName(req.fields.name);
    if (group) await identityStore().deleteGroup(group.id);
    return noContent();
  }

  function list(by: 'id' | 'name') {
    return async (): Promise<Resp> => {
      const groups = identityStore().listGroups();
      if (groups.length === 0) return notFound();
      const key = by === 'id' ? (g: Group) => g.id : (g: Group) => g.name;
      return ok(listing(groups, key, (g) => groupKeyInfo(identityStore(), g)));
    };
  }

  /** Vault's lookup/group; internal groups have no aliases, so alias criteria find nothing. */
  async function lookup(req: LookupReq): Promise<Resp> {
    requireOneCriterion(req.fields);
    const { id, name } = req.fields;
    const group = id ? identityStore().group(id) : name ? identityStore().groupByName(name) : undefined;
    return group ? ok(describeGroup(identityStore(), group)) : noContent();
  }

  return [
    definePath({
      pattern: 'group',
      fields: groupFields,
      operations: { update: register },
      description: 'Create a group, or update the one named by id or name.',
    }),
    definePath({
      pattern: 'group/id/:id*',
      fields: groupFields,
      operations: { read: readById, update: updateById, delete: deleteById, list: list('id') },
      description: 'Read, update or delete a group by id; list group ids.',
    }),
    definePath({
      pattern: 'group/name/:name*',
      fields: groupFields,
      operations: { read: readByName, update: updateByName, delete: deleteByName, list: list('name') },
      description: 'Create, read, update or delete a group by name; list group names.',
    }),
    definePath({
      pattern: 'lookup/group',
      fields: lookupFields,
      operations: { update: lookup },
      description: 'Find a group by id or name.',
    }),
  ];
}
