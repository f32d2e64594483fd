import { definePath, noContent, notFound, ok, type MountStorage, type PathDef, type Req, type Resp } from '../../../framework/types.js';
import { checkedName, KEYS, resolveIssuer } from '../model.js';
import { buildRole, describeRole, loadRole, roleFields, type RoleEntry } from '../role.js';

type RoleReq = Req<typeof roleFields>;

/**
 * roles/:name: POST writes the whole role (what is not sent takes Vault's default), PATCH changes
 * only what is sent. An issuer_ref other than "default" must name an issuer that exists now (it is
 * kept as written, so a renamed issuer changes what the role uses, as in Vault).
 */
async function writeRole(req: RoleReq, store: MountStorage, patch: boolean): Promise<Resp> {
  const name = checkedName(req.fields.name, 'role');
  const existing = patch ? await loadRole(store, name) : undefined;
  if (patch && !existing) return notFound();
  const role = buildRole(req.fields as Record<string, unknown>, (field) => req.provided(field as keyof typeof roleFields & string), existing);
  if (role.issuer_ref !== 'default') await resolveIssuer(store, role.issuer_ref);
  await store.put(KEYS.role(name), role satisfies RoleEntry);
  return ok(describeRole(role));
}

/** roles/:name and LIST roles. */
export function rolePaths(): PathDef[] {
  return [
    definePath({
      pattern: 'roles/:name',
      fields: roleFields,
      existenceCheck: async (req, store) => (await loadRole(store, req.fields.name)) !== undefined,
      operations: {
        create: (req, store) => writeRole(req, store, false),
        update: (req, store) => writeRole(req, store, false),
        patch: (req, store) => writeRole(req, store, true),
        read: async (req, store) => {
          const role = await loadRole(store, req.fields.name);
          return role ? ok(describeRole(role)) : notFound();
        },
        delete: async (req, store) => {
          await store.delete(KEYS.role(checkedName(req.fields.name, 'role')));
          return noContent();
        },
      },
      description: 'Manage the roles certificates are issued and signed under.',
    }),
    definePath({
      pattern: 'roles',
      fields: {},
      operations: {
        list: async (_req, store) => {
          const keys = await store.list(KEYS.roles);
          return keys.length > 0 ? ok({ keys }) : notFound();
        },
      },
      description: 'List the roles.',
    }),
  ];
}
