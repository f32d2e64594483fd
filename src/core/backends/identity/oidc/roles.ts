import { invalidRequest } from '../../../../framework/errors.js';
import { field } from '../../../../framework/fields.js';
import { definePath, noContent, notFound, ok, type PathDef, type Req, type Resp } from '../../../../framework/types.js';
import { DAY_SECONDS } from '../../../identity/oidc/model.js';
import { checkTemplate, decodeTemplate } from '../../../identity/oidc/template.js';
import { randomBase62 } from '../../../token/ids.js';
import { nameOf, validName, type OidcContext } from './context.js';

// identity/oidc/role/:name and LIST identity/oidc/role (Vault: "Create or Update a Role" ...).

const roleFields = {
  name: field.string({ description: 'Name of the role.' }),
  key: field.string({ description: 'The named key that signs the tokens of this role; it must exist.' }),
  template: field.string({ description: 'Claims template: JSON with identity directives, as text or base64.' }),
  ttl: field.duration({ default: DAY_SECONDS, description: "TTL of the role's tokens (at most the key's verification_ttl)." }),
  client_id: field.string({ description: "The tokens' audience (aud); a random one when not set." }),
};
type RoleReq = Req<typeof roleFields>;

/** Vault's generated client ids: 26 base62 characters. */
const CLIENT_ID_LENGTH = 26;

export function rolePaths(ctx: OidcContext): PathDef[] {
  const { oidc } = ctx;

  /** Vault's pathOIDCCreateUpdateRole: a field not sent keeps its stored value (or, for a new role, its default). */
  function writeRole(req: RoleReq): Promise<Resp> {
    const name = nameOf(req);
    return oidc.serial(async () => {
      const held = await oidc.role(name);
      const stored = held?.value;
      const sent = (f: keyof RoleReq['fields']) => req.provided(f) || !stored;
      const keyName = sent('key') ? req.fields.key : stored!.key;
      if (keyName === '') throw invalidRequest('the key parameter is required');
      const template = sent('template') ? decodeTemplate(req.fields.template) : stored!.template;
      const problem = checkTemplate(template);
      if (problem) throw invalidRequest(problem);
      const ttl = sent('ttl') ? req.fields.ttl : stored!.ttl;
      const key = await oidc.key(keyName);
      if (!key) throw invalidRequest(`cannot find key "${keyName}"`);
      if (ttl > key.value.verificationTtl) throw invalidRequest("a role's token ttl cannot be longer than the verification_ttl of the key it references");
      const clientId = (req.provided('client_id') ? req.fields.client_id : stored?.clientId) || randomBase62(CLIENT_ID_LENGTH);
      await oidc.writeRole(name, { key: keyName, template, ttl, clientId }, held?.version, key);
      return noContent();
    });
  }

  async function readRole(req: RoleReq): Promise<Resp> {
    const held = await oidc.role(nameOf(req));
    if (!held) return notFound();
    const { clientId, key, template, ttl } = held.value;
    return ok({ client_id: clientId, key, template, ttl });
  }

  function deleteRole(req: RoleReq): Promise<Resp> {
    const name = nameOf(req);
    return oidc.serial(async () => {
      await oidc.deleteRole(name);
      return noContent();
    });
  }

  async function listRoles(): Promise<Resp> {
    const keys = await oidc.roleNames();
    return keys.length > 0 ? ok({ keys }) : notFound();
  }

  return [
    definePath({
      pattern: 'oidc/role/:name',
      fields: roleFields,
      operations: { read: readRole, create: writeRole, update: writeRole, delete: deleteRole },
      existenceCheck: async (req) => validName(req.fields.name) && (await oidc.role(req.fields.name)) !== undefined,
      description: 'Create, read, update or delete a role: which key signs its tokens, their TTL, audience and templated claims.',
    }),
    definePath({
      pattern: 'oidc/role',
      fields: {},
      operations: { list: listRoles },
      description: 'List the roles.',
    }),
  ];
}
