import type { Core } from '../../core.js';
import { invalidRequest, notFoundError } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { definePath, noContent, ok, type PathDef, type Req } from '../../../framework/types.js';

/** sys/policy (the legacy API, answering "rules") and sys/policies/acl (answering "policy"). */
export function policyPaths(core: Core): PathDef[] {
  // A sys/ mounted in a namespace manages that namespace's policies.
  const policies = (req: Req) => core.policiesIn(req.mount.namespace);
  const read = async (req: Req, name: string, key: 'rules' | 'policy') => {
    const found = await policies(req).get(name);
    if (!found) throw notFoundError(`no policy named: ${name.toLowerCase()}`);
    return ok({ name: found.name, [key]: found.policy });
  };
  const write = async (req: Req, name: string, text: string) => {
    if (!text) throw invalidRequest("'policy' parameter not supplied or empty");
    await policies(req).set(name, decodeMaybeBase64(text));
    return noContent();
  };
  const remove = async (req: Req, name: string) => {
    await policies(req).delete(name);
    return noContent();
  };

  const legacyList = definePath({
    pattern: 'policy',
    fields: {},
    operations: {
      read: async (req) => {
        const names = await policies(req).list();
        return ok({ policies: names, keys: names });
      },
    },
  });
  const legacy = definePath({
    pattern: 'policy/:name',
    fields: { name: field.string({ required: true }), policy: field.string(), rules: field.string() },
    operations: {
      read: (req) => read(req, req.fields.name, 'rules'),
      update: (req) => write(req, req.fields.name, req.fields.policy || req.fields.rules),
      delete: (req) => remove(req, req.fields.name),
    },
  });
  const aclList = definePath({
    pattern: 'policies/acl',
    fields: {},
    operations: { list: async (req) => ok({ keys: await policies(req).list() }) },
  });
  const acl = definePath({
    pattern: 'policies/acl/:name',
    fields: { name: field.string({ required: true }), policy: field.string() },
    operations: {
      read: (req) => read(req, req.fields.name, 'policy'),
      update: (req) => write(req, req.fields.name, req.fields.policy),
      delete: (req) => remove(req, req.fields.name),
    },
  });
  return [legacyList, legacy, aclList, acl];
}

/** Vault accepts the policy text base64-encoded too (the UI sends it that way). */
function decodeMaybeBase64(text: string): string {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) return text;
  const decoded = Buffer.from(text, 'base64').toString('utf8');
  return decoded.includes('path') || decoded.trimStart().startsWith('{') ? decoded : text;
}
