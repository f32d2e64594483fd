import { invalidRequest } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import type { Req } from '../../../framework/types.js';

// What identity/lookup/entity and identity/lookup/group share: Vault takes the same criteria on
// both and refuses a request with none or several of them in the same words.

/** An id, a name, an alias id, or an alias name with its mount accessor. */
export const lookupFields = {
  id: field.string(),
  name: field.string(),
  alias_id: field.string(),
  alias_name: field.string(),
  alias_mount_accessor: field.string(),
};
export type LookupReq = Req<typeof lookupFields>;

/** 400 unless exactly one criterion was given (an alias name or mount accessor counts as the alias criterion). */
export function requireOneCriterion(fields: LookupReq['fields']): void {
  const { id, name, alias_id: aliasId, alias_name: aliasName, alias_mount_accessor: accessor } = fields;
  const given = [id, name, aliasId, aliasName || accessor].filter((v) => v !== '').length;
  if (given === 0) throw invalidRequest('missing search criteria');
  if (given > 1) throw invalidRequest('query parameter conflict; please supply distinct set of query parameters');
}
