import { invalidRequest } from '../../framework/errors.js';
import { field } from '../../framework/fields.js';
import { applyTokenParams, describeTokenParams, tokenParamFields } from '../../framework/token-params.js';
import { definePath, noContent, notFound, ok, type MountStorage, type PathDef, type Req, type Resp } from '../../framework/types.js';
import { scalarList } from './claims.js';
import { parseLeeway } from './leeway.js';
import { defaultRole, deleteRole, listRoles, loadRole, ROLE_NAME, updateRole, type JwtRole } from './role-model.js';

const fields = {
  name: field.string({ required: true }),
  role_type: field.string({ description: '"jwt", or "oidc" (the default, for the interactive flow Coffer does not serve).' }),
  bound_audiences: field.strings({ description: 'At least one must be in the token\'s aud claim.' }),
  bound_subject: field.string({ description: 'The sub claim the token must carry.' }),
  bound_claims_type: field.string({ description: '"string" (exact values) or "glob" (values may hold *).' }),
  bound_claims: field.map({ description: 'Claims the token must carry: claim → value or list of values.' }),
  claim_mappings: field.stringMap({ description: 'Claims copied into alias metadata: claim → metadata key.' }),
  user_claim: field.string({ description: 'The claim whose value names the entity alias; "sub" by default.' }),
  user_claim_json_pointer: field.bool({ description: 'Read user_claim as a JSON pointer.' }),
  groups_claim: field.string({ description: 'Stored; group aliases are not created from it yet.' }),
  allowed_redirect_uris: field.strings({ description: 'Redirect URIs of an oidc role.' }),
  oidc_scopes: field.strings({ description: 'Scopes of an oidc role.' }),
  verbose_oidc_logging: field.bool({ description: 'Accepted and ignored.' }),
  clock_skew_leeway: field.any({ description: 'Leeway for all time claims; 0 = 60s, -1 = none.' }),
  expiration_leeway: field.any({ description: 'Extra leeway for exp; 0 = 150s, -1 = none.' }),
  not_before_leeway: field.any({ description: 'Extra leeway for nbf and iat; 0 = 150s, -1 = none.' }),
  // The jwt method still takes every pre-tokenutil name.
  ...tokenParamFields('policies', 'ttl', 'max_ttl', 'period', 'num_uses', 'bound_cidrs'),
};
type RoleReq = Req<typeof fields>;

function checkName(name: string): void {
  if (!ROLE_NAME.test(name)) throw invalidRequest(`invalid role name "${name}"`);
}

async function readRole(req: RoleReq, store: MountStorage): Promise<Resp> {
  const role = await loadRole(store, req.fields.name);
  if (!role) return notFound();
  const { token, ...rest } = role;
  return ok({ ...rest, ...describeTokenParams(token) });
}

async function writeRole(req: RoleReq, store: MountStorage): Promise<Resp> {
  checkName(req.fields.name);
  await updateRole(store, req.fields.name, (current) => validRole(applyRoleFields(req, current ?? defaultRole())));
  return noContent();
}

function applyRoleFields(req: RoleReq, current: JwtRole): JwtRole {
  const f = req.fields;
  const next: JwtRole = { ...current, token: applyTokenParams(current.token, req) };
  if (req.provided('role_type')) {
    if (f.role_type !== 'jwt' && f.role_type !== 'oidc') throw invalidRequest(`invalid 'role_type': "${f.role_type}" (expected "jwt" or "oidc")`);
    next.role_type = f.role_type;
  }
  if (req.provided('bound_claims_type')) {
    if (f.bound_claims_type !== 'string' && f.bound_claims_type !== 'glob') {
      throw invalidRequest(`invalid 'bound_claims_type': "${f.bound_claims_type}" (expected "string" or "glob")`);
    }
    next.bound_claims_type = f.bound_claims_type;
  }
  if (req.provided('bound_audiences')) next.bound_audiences = f.bound_audiences;
  if (req.provided('bound_subject')) next.bound_subject = f.bound_subject;
  if (req.provided('bound_claims')) next.bound_claims = f.bound_claims;
  if (req.provided('claim_mappings')) next.claim_mappings = f.claim_mappings;
  if (req.provided('user_claim')) next.user_claim = f.user_claim.trim();
  if (req.provided('user_claim_json_pointer')) next.user_claim_json_pointer = f.user_claim_json_pointer;
  if (req.provided('groups_claim')) next.groups_claim = f.groups_claim;
  if (req.provided('allowed_redirect_uris')) next.allowed_redirect_uris = f.allowed_redirect_uris;
  if (req.provided('oidc_scopes')) next.oidc_scopes = f.oidc_scopes;
  if (req.provided('verbose_oidc_logging')) next.verbose_oidc_logging = f.verbose_oidc_logging;
  for (const name of ['clock_skew_leeway', 'expiration_leeway', 'not_before_leeway'] as const) {
    if (req.provided(name)) next[name] = parseLeeway(f[name], name);
  }
  return next;
}

/** The checks Vault makes on the role as a whole, after the request's fields were applied. */
function validRole(role: JwtRole): JwtRole {
  if (!role.user_claim) throw invalidRequest('a user claim must be defined on the role');
  for (const [claim, value] of Object.entries(role.bound_claims)) {
    const values = scalarList(value);
    if (!values) throw invalidRequest(`bound claim "${claim}" is not a string, number, boolean or a list of them`);
    if (role.bound_claims_type === 'glob' && !values.every((v) => typeof v === 'string')) {
      throw invalidRequest(`bound claim "${claim}" must be a string or a list of strings when bound_claims_type is "glob"`);
    }
  }
  const targets = new Set<string>();
  for (const target of Object.values(role.claim_mappings)) {
    if (targets.has(target)) throw invalidRequest(`claim_mappings contains multiple mappings for key "${target}"`);
    targets.add(target);
  }
  if (role.role_type === 'oidc' && role.allowed_redirect_uris.length === 0) {
    throw invalidRequest("'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified.");
  }
  const bound =
    role.bound_audiences.length > 0 || role.bound_subject !== '' || Object.keys(role.bound_claims).length > 0 || role.token.boundCidrs.length > 0;
  if (role.role_type === 'jwt' && !bound) throw invalidRequest('must have at least one bound constraint when creating/updating a role');
  return role;
}

async function removeRole(req: RoleReq, store: MountStorage): Promise<Resp> {
  if (ROLE_NAME.test(req.fields.name)) await deleteRole(store, req.fields.name);
  return noContent();
}

async function roleExists(req: RoleReq, store: MountStorage): Promise<boolean> {
  return (await loadRole(store, req.fields.name)) !== undefined;
}

async function list(_req: Req, store: MountStorage): Promise<Resp> {
  const keys = await listRoles(store);
  return keys.length > 0 ? ok({ keys }) : notFound();
}

/** auth/<mount>/role (LIST) and auth/<mount>/role/:name (read, write, delete). */
export function rolePaths(): PathDef[] {
  const listPath = (pattern: string) =>
    definePath({ pattern, fields: {}, operations: { list }, description: 'The names of the roles.' });
  return [
    listPath('role'),
    listPath('role/'),
    definePath({
      pattern: 'role/:name',
      fields,
      operations: { read: readRole, create: writeRole, update: writeRole, delete: removeRole },
      existenceCheck: roleExists,
      description: 'Which tokens may log in through a role, and the tokens they get.',
    }),
  ];
}
