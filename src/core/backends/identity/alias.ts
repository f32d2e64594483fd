import type { IdentityStore } from '../../identity/store.js';
import type { Core } from '../../core.js';
import { invalidRequest } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { definePath, noContent, notFound, ok, type PathDef, type Req, type Resp } from '../../../framework/types.js';
import type { Alias } from '../../identity/store.js';
import { aliasKeyInfo, describeAlias, listing } from './describe.js';

// identity/entity-alias and identity/entity-alias/id/:id (Vault: /identity/entity-alias).

const aliasFields = {
  id: field.string({ description: 'ID of the alias; if set, updates that alias.' }),
  name: field.string({ description: 'Name of the alias in its auth method (user name, role id, subject...).' }),
  canonical_id: field.string({ description: 'ID of the entity the alias belongs to.' }),
  mount_accessor: field.string({ description: 'Accessor of the auth mount the alias belongs to.' }),
  custom_metadata: field.stringMap({ description: 'Operator-provided key/value pairs describing the alias.' }),
};
type AliasReq = Req<typeof aliasFields>;

const answer = (alias: Alias): Resp => ok({ id: alias.id, canonical_id: alias.canonicalId });

export function aliasPaths(core: Core, identityStore: () => IdentityStore): PathDef[] {
  // An alias names an auth method of the identity store's own namespace, as in Vault.
  const mountExists = (req: AliasReq, accessor: string) => core.mounts.listIn('auth', req.mount.namespace).some((m) => m.accessor === accessor);

  /**
   * Vault's pathAliasCreateUpdate: with an id, that alias is updated; otherwise the alias with this
   * mount accessor and name is updated (its entity may change), or a new one is created for
   * canonical_id. An entity has at most one alias per mount.
   */
  async function write(req: AliasReq): Promise<Resp> {
    const identity = identityStore();
    const { id, name, canonical_id: canonicalId, mount_accessor: accessor } = req.fields;
    const customMetadata = req.provided('custom_metadata') ? req.fields.custom_metadata : undefined;
    let existing: Alias | undefined;
    if (id) {
      existing = identity.alias(id);
      if (!existing) throw invalidRequest('invalid alias ID provided');
    } else {
      if (!accessor || !name) throw invalidRequest("'id' or 'mount_accessor' and 'name' must be provided");
      if (!mountExists(req, accessor)) throw invalidRequest(`invalid mount accessor "${accessor}"`);
      existing = identity.aliasByName(accessor, name);
    }

    if (!existing) {
      if (!canonicalId) throw invalidRequest('missing canonical_id');
      const entity = identity.entity(canonicalId);
      if (!entity) throw invalidRequest('invalid canonical ID');
      if (identity.aliasesOf(entity.id).some((a) => a.mountAccessor === accessor)) {
        throw invalidRequest('Alias already exists for requested entity and mount accessor');
      }
      return answer(await identity.writeAlias({ name, mountAccessor: accessor, canonicalId, customMetadata: customMetadata ?? {} }));
    }

    const next = {
      name: name || existing.name,
      mountAccessor: accessor || existing.mountAccessor,
      canonicalId: canonicalId || existing.canonicalId,
      customMetadata: customMetadata ?? existing.customMetadata,
    };
    const unchanged =
      next.name === existing.name &&
      next.mountAccessor === existing.mountAccessor &&
      next.canonicalId === existing.canonicalId &&
      sameMap(next.customMetadata, existing.customMetadata);
    // Vault answers an update that changes nothing with 204.
    if (unchanged) return noContent();
    if (next.mountAccessor !== existing.mountAccessor && !mountExists(req, next.mountAccessor)) {
      throw invalidRequest(`invalid mount accessor "${next.mountAccessor}"`);
    }
    const taken = identity.aliasByName(next.mountAccessor, next.name);
    if (taken && taken.id !== existing.id) throw invalidRequest('alias with combination of mount accessor and name already exists');
    if (next.canonicalId !== existing.canonicalId && !identity.entity(next.canonicalId)) {
      throw invalidRequest("given 'canonical_id' is not associated with an entity");
    }
    const clash = identity.aliasesOf(next.canonicalId).some((a) => a.mountAccessor === next.mountAccessor && a.id !== existing.id);
    if (clash) throw invalidRequest('Alias cannot be updated as the entity already has an alias for the given mount accessor');
    return answer(await identity.writeAlias(next, existing.id));
  }

  async function updateById(req: AliasReq): Promise<Resp> {
    if (!req.fields.id) throw invalidRequest('missing alias ID');
    return write(req);
  }

  async function read(req: AliasReq): Promise<Resp> {
    if (!req.fields.id) throw invalidRequest('missing alias id');
    const alias = identityStore().alias(req.fields.id);
    return alias ? ok(describeAlias(core, alias)) : notFound();
  }

  async function remove(req: AliasReq): Promise<Resp> {
    if (!req.fields.id) throw invalidRequest('missing alias ID');
    await identityStore().deleteAlias(req.fields.id);
    return noContent();
  }

  async function list(): Promise<Resp> {
    const aliases = identityStore().listAliases();
    if (aliases.length === 0) return notFound();
    return ok(listing(aliases, (a) => a.id, (a) => aliasKeyInfo(core, a)));
  }

  return [
    definePath({
      pattern: 'entity-alias',
      fields: aliasFields,
      operations: { update: write },
      description: 'Create an entity alias, or update the one named by id or by mount accessor and name.',
    }),
    definePath({
      pattern: 'entity-alias/id/:id*',
      fields: aliasFields,
      // LIST identity/entity-alias/id (with or without the trailing slash) lands here with no id.
      operations: { read, update: updateById, delete: remove, list },
      description: 'Read, update or delete an entity alias by id; list alias ids.',
    }),
  ];
}

function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}
