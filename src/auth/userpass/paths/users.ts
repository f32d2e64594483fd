import { invalidRequest, noHandler } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { applyTokenParams, defaultTokenParams, describeTokenParams, tokenParamFields } from '../../../framework/token-params.js';
import { definePath, noContent, notFound, ok, type MountStorage, type PathDef, type Req, type Resp } from '../../../framework/types.js';
import { hashPassword, type PasswordHash } from '../password-hash.js';
import { deleteUser, listUsers, loadUser, writeUser, type UserEntry } from '../user-store.js';
import { normalizeUsername } from '../username.js';

const username = field.string({ required: true, description: 'The user name (case-insensitive: stored lower-cased).' });
// Vault's userpass still takes the pre-tokenutil policies, ttl, max_ttl and bound_cidrs.
const tokenFields = tokenParamFields('policies', 'ttl', 'max_ttl', 'bound_cidrs');
const userFields = {
  username,
  password: field.string({ description: 'The password; required when creating the user.' }),
  ...tokenFields,
};
const passwordFields = { username, password: field.string({ required: true, description: 'The new password.' }) };
const policyFields = {
  username,
  token_policies: tokenFields.token_policies,
  policies: tokenFields.policies,
};

/** A password as sent: absent is fine on update, empty never is. */
async function newPasswordHash(req: Req<typeof userFields>): Promise<PasswordHash | undefined> {
  if (!req.provided('password')) return undefined;
  if (req.fields.password === '') throw invalidRequest('missing password');
  return hashPassword(req.fields.password);
}

/**
 * POST users/:username. The existence check told create from update for the ACL; if the user
 * appeared or vanished since, the request is refused rather than run under the wrong capability.
 */
async function writeUserHandler(req: Req<typeof userFields>, store: MountStorage): Promise<Resp> {
  const name = normalizeUsername(req.fields.username);
  const creating = req.operation === 'create';
  // Hash once, before the transaction loop: scrypt is deliberately slow.
  const password = await newPasswordHash(req);
  if (creating && !password) throw invalidRequest('missing password');
  await writeUser(store, name, (current) => {
    if (creating === !!current) throw invalidRequest(`user "${name}" was ${creating ? 'created' : 'deleted'} by another request; try again`);
    return { password: password ?? current!.password, token: applyTokenParams(current?.token ?? defaultTokenParams(), req) };
  });
  return noContent();
}

/** Applies `change` to an existing user; 400 when there is none. */
async function updateExisting(store: MountStorage, name: string, change: (current: UserEntry) => UserEntry): Promise<Resp> {
  await writeUser(store, name, (current) => {
    if (!current) throw invalidRequest(`user "${name}" does not exist`);
    return change(current);
  });
  return noContent();
}

/** auth/<mount>/users, users/:username, users/:username/password and users/:username/policies (Vault's userpass API). */
export function userPaths(): PathDef[] {
  return [
    definePath({
      pattern: 'users/:username/password',
      fields: passwordFields,
      operations: {
        update: async (req, store) => {
          const name = normalizeUsername(req.fields.username);
          if (req.fields.password === '') throw invalidRequest('missing password');
          const password = await hashPassword(req.fields.password);
          return updateExisting(store, name, (current) => ({ ...current, password }));
        },
      },
      description: "Change a user's password.",
    }),
    definePath({
      pattern: 'users/:username/policies',
      fields: policyFields,
      operations: {
        update: async (req, store) => {
          const name = normalizeUsername(req.fields.username);
          if (!req.provided('token_policies') && !req.provided('policies')) throw invalidRequest('missing token_policies');
          return updateExisting(store, name, (current) => ({ ...current, token: applyTokenParams(current.token, req) }));
        },
      },
      description: "Replace a user's token policies.",
    }),
    definePath({
      pattern: 'users/:username',
      fields: userFields,
      existenceCheck: async (req, store) => (await loadUser(store, req.fields.username.toLowerCase())) !== undefined,
      operations: {
        create: writeUserHandler,
        update: writeUserHandler,
        read: async (req, store) => {
          const user = await loadUser(store, normalizeUsername(req.fields.username));
          // The password hash stays in storage: it is only ever compared against.
          return user ? ok(describeTokenParams(user.token)) : notFound();
        },
        delete: async (req, store) => {
          await deleteUser(store, normalizeUsername(req.fields.username));
          return noContent();
        },
      },
      description: 'Create, read, update or delete a user.',
    }),
    definePath({
      // ":suffix*" lets both "users" and "users/" (how LIST requests arrive) match.
      pattern: 'users/:suffix*',
      fields: { suffix: field.string() },
      operations: {
        list: async (req, store) => {
          if (req.fields.suffix !== '') throw noHandler(req.mount.path + req.path);
          const keys = await listUsers(store);
          return keys.length > 0 ? ok({ keys }) : notFound();
        },
      },
      description: 'List the users.',
    }),
  ];
}
