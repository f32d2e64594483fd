import { randomUUID } from 'node:crypto';
import { invalidRequest, notFoundError } from '../../framework/errors.js';
import { parseCidrList } from '../../framework/cidr.js';
import { field, type FieldSpec } from '../../framework/fields.js';
import { definePath, noContent, notFound, ok, type MountStorage, type PathDef, type Req, type Resp } from '../../framework/types.js';
import { isCidrSubset } from './cidr-subset.js';
import type { ApproleContext } from './context.js';
import type { Hasher } from './hasher.js';
import { loadRole, MAX_INPUT_LENGTH, normaliseRoleName, type RoleEntry } from './role-store.js';
import {
  describeSecretId,
  destroySecretId,
  findByAccessor,
  findBySecretId,
  type FoundSecretId,
  isExpired,
  listAccessors,
  registerSecretId,
  type SecretIdSpec,
} from './secret-id-store.js';

const issueFields = {
  role_name: field.string({ required: true }),
  metadata: field.any({ description: 'JSON object of string values (as a string, as Vault takes it) set on tokens issued with this secret ID.' }),
  cidr_list: field.strings({ description: 'CIDR blocks the secret ID may be used from; a subset of the role\'s secret_id_bound_cidrs.' }),
  token_bound_cidrs: field.strings({ description: "CIDR blocks issued tokens may be used from; a subset of the role's token_bound_cidrs." }),
  num_uses: field.int({ description: "Logins allowed with this secret ID; at most the role's secret_id_num_uses." }),
  ttl: field.duration({ description: "Lifetime of this secret ID; at most the role's secret_id_ttl." }),
};
type IssueFields = typeof issueFields;
const customFields = { ...issueFields, secret_id: field.string({ description: 'The secret ID to register.' }) };

/** How a path names one secret ID of a role: by the secret itself, or by its accessor. */
interface Locator<K extends string> {
  field: K;
  fields: { role_name: FieldSpec<'string'> } & Record<K, FieldSpec<'string'>>;
  find: (store: MountStorage, hasher: Hasher, role: RoleEntry, key: string) => Promise<FoundSecretId | undefined>;
}
const BY_SECRET_ID: Locator<'secret_id'> = {
  field: 'secret_id',
  fields: { role_name: field.string({ required: true }), secret_id: field.string({ description: 'The secret ID.' }) },
  find: findBySecretId,
};
const BY_ACCESSOR: Locator<'secret_id_accessor'> = {
  field: 'secret_id_accessor',
  fields: { role_name: field.string({ required: true }), secret_id_accessor: field.string({ description: 'The accessor of the secret ID.' }) },
  find: findByAccessor,
};

/** Where a located secret ID lives, for the handler that acts on it. */
interface Located {
  store: MountStorage;
  hasher: Hasher;
  role: RoleEntry;
  /** The secret ID or accessor as sent (trimmed). */
  key: string;
}

/** An update path that finds one secret ID of the role (undefined when unknown) and hands it to `act`. */
function onSecretId<K extends string>(
  ctx: ApproleContext,
  pattern: string,
  by: Locator<K>,
  description: string,
  act: (found: FoundSecretId | undefined, at: Located) => Promise<Resp>,
): PathDef {
  return definePath({
    pattern,
    fields: by.fields,
    operations: {
      update: async (req, store) => {
        const role = await requireRole(store, req.fields.role_name);
        const key = requireValue(req.fields[by.field], by.field);
        const hasher = await ctx.hasher(req.mount, store);
        return act(await by.find(store, hasher, role, key), { store, hasher, role, key });
      },
    },
    description,
  });
}

/** role/:role_name/secret-id (generate, LIST), custom-secret-id, and lookup/destroy by secret ID or accessor. */
export function secretIdPaths(ctx: ApproleContext): PathDef[] {
  const listSecretIds = async (req: Req<{ role_name: typeof issueFields.role_name }>, store: MountStorage): Promise<Resp> => {
    const role = await requireRole(store, req.fields.role_name);
    const keys = await listAccessors(store, role);
    return keys.length > 0 ? ok({ keys }) : notFound();
  };
  return [
    definePath({
      pattern: 'role/:role_name/secret-id',
      fields: issueFields,
      operations: {
        update: (req, store) => issue(ctx, req, store, randomUUID()),
        list: listSecretIds,
      },
      description: 'Generate a secret ID for the role (wrap the answer with X-Vault-Wrap-TTL), or list their accessors.',
    }),
    // LIST requests may arrive with a trailing slash.
    definePath({ pattern: 'role/:role_name/secret-id/', fields: { role_name: issueFields.role_name }, operations: { list: listSecretIds } }),
    definePath({
      pattern: 'role/:role_name/custom-secret-id',
      fields: customFields,
      operations: {
        update: (req, store) => {
          const secretId = req.fields.secret_id.trim();
          if (secretId === '') throw invalidRequest('missing secret_id');
          if (secretId.length > MAX_INPUT_LENGTH) throw invalidRequest(`secret_id is longer than maximum of ${MAX_INPUT_LENGTH} bytes`);
          return issue(ctx, req, store, secretId);
        },
      },
      description: 'Register a secret ID chosen by the caller (the "push" model).',
    }),
    onSecretId(ctx, 'role/:role_name/secret-id/lookup', BY_SECRET_ID, 'Read the properties of a secret ID (never the secret itself).', async (found) =>
      // Vault answers nothing (204) for a secret ID it does not know.
      found && !isExpired(found.entry) ? ok(describeSecretId(found.entry)) : noContent(),
    ),
    onSecretId(ctx, 'role/:role_name/secret-id/destroy', BY_SECRET_ID, 'Destroy a secret ID.', async (found, at) => {
      if (found) await destroySecretId(at.store, at.hasher, at.role, found);
      return noContent();
    }),
    onSecretId(ctx, 'role/:role_name/secret-id-accessor/lookup', BY_ACCESSOR, 'Read the properties of a secret ID by its accessor.', async (found, at) => {
      if (!found || isExpired(found.entry)) throw accessorNotFound(at.key);
      return ok(describeSecretId(found.entry));
    }),
    onSecretId(ctx, 'role/:role_name/secret-id-accessor/destroy', BY_ACCESSOR, 'Destroy a secret ID by its accessor.', async (found, at) => {
      if (!found) throw accessorNotFound(at.key);
      await destroySecretId(at.store, at.hasher, at.role, found);
      return noContent();
    }),
  ];
}

async function requireRole(store: MountStorage, written: string): Promise<RoleEntry> {
  const name = normaliseRoleName(written);
  const found = await loadRole(store, name);
  if (!found) throw invalidRequest(`role "${name}" does not exist`);
  return found.role;
}

function requireValue(value: string, name: string): string {
  const trimmed = value.trim();
  if (trimmed === '') throw invalidRequest(`missing ${name}`);
  return trimmed;
}

const accessorNotFound = (accessor: string) => notFoundError(`failed to find accessor entry for secret_id_accessor: "${accessor}"`);

/** Vault's handleRoleSecretIDCommon: validate against the role, then register. */
async function issue(ctx: ApproleContext, req: Req<IssueFields>, store: MountStorage, secretId: string): Promise<Resp> {
  const role = await requireRole(store, req.fields.role_name);
  if (!role.bindSecretId) throw invalidRequest('bind_secret_id is not set on the role');
  const spec = secretIdSpec(req, role);
  const entry = await registerSecretId(store, await ctx.hasher(req.mount, store), role, secretId, spec);
  return ok(
    {
      secret_id: secretId,
      secret_id_accessor: entry.accessor,
      secret_id_ttl: entry.ttl,
      secret_id_num_uses: entry.numUses,
    },
    // Wrapped, the SecretID is tracked by its accessor (wrap_info.wrapped_accessor), as in Vault.
    { wrappedAccessor: entry.accessor },
  );
}

function secretIdSpec(req: Req<IssueFields>, role: RoleEntry): SecretIdSpec {
  const f = req.fields;
  const cidrList = parseCidrList(f.cidr_list, 'cidr_list');
  if (!isCidrSubset(role.secretIdBoundCidrs, cidrList)) {
    throw invalidRequest(`cidr_list [${cidrList.join(', ')}] must be a subset of the role's secret_id_bound_cidrs [${role.secretIdBoundCidrs.join(', ')}]`);
  }
  const tokenBoundCidrs = parseCidrList(f.token_bound_cidrs, 'token_bound_cidrs');
  if (!isCidrSubset(role.token.boundCidrs, tokenBoundCidrs)) {
    throw invalidRequest(`token_bound_cidrs [${tokenBoundCidrs.join(', ')}] must be a subset of the role's token_bound_cidrs [${role.token.boundCidrs.join(', ')}]`);
  }

  let numUses = role.secretIdNumUses;
  if (req.provided('num_uses')) {
    numUses = f.num_uses;
    if (numUses < 0) throw invalidRequest('num_uses cannot be negative');
    // 0 means unlimited, which is more than any limit the role sets.
    if (role.secretIdNumUses > 0 && (numUses === 0 || numUses > role.secretIdNumUses)) {
      throw invalidRequest("num_uses cannot be higher than the role's secret_id_num_uses");
    }
  }
  let ttl = role.secretIdTtl;
  if (req.provided('ttl')) {
    ttl = f.ttl;
    if (role.secretIdTtl > 0 && (ttl === 0 || ttl > role.secretIdTtl)) {
      throw invalidRequest("ttl cannot be longer than the role's secret_id_ttl");
    }
  }
  return { numUses, ttl, metadata: parseMetadata(f.metadata), cidrList, tokenBoundCidrs };
}

/** Vault takes metadata as a JSON string of string values; an object of strings is accepted as well. */
function parseMetadata(raw: unknown): Record<string, string> {
  if (raw === undefined || raw === null || raw === '') return {};
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw invalidRequest('failed to parse metadata: not a JSON object');
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidRequest('failed to parse metadata: not a JSON object');
  const entries = Object.entries(value);
  if (!entries.every(([, v]) => typeof v === 'string')) throw invalidRequest('failed to parse metadata: values must be strings');
  return Object.fromEntries(entries) as Record<string, string>;
}
