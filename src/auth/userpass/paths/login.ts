import { invalidRequest, permissionDenied } from '../../../framework/errors.js';
import { addressAllowed } from '../../../framework/cidr.js';
import { field } from '../../../framework/fields.js';
import { loginTokenFields } from '../../../framework/token-params.js';
import { definePath, type PathDef } from '../../../framework/types.js';
import { verifyPassword, type PasswordHash } from '../password-hash.js';
import { checkTotp } from '../totp.js';
import { loadUser } from '../user-store.js';
import { isValidUsername } from '../username.js';

/** One message for an unknown user and a wrong password, as in Vault: a login must not reveal which names exist. */
const invalidCredentials = () => invalidRequest('invalid username or password');

/**
 * login/:username (unauthenticated): password, and the current TOTP code when the user has MFA on.
 * `dummy` is a hash nobody knows the password of, checked for unknown users so that they cost
 * the same scrypt run as a wrong password.
 */
export function loginPaths(dummy: Promise<PasswordHash>): PathDef[] {
  return [
    definePath({
      pattern: 'login/:username',
      unauthenticated: true,
      fields: {
        username: field.string({ required: true }),
        password: field.string({ required: true, description: "The user's password." }),
        totp: field.string({ description: 'The current TOTP code, for a user with MFA on.' }),
      },
      operations: {
        update: async (req, store) => {
          const name = req.fields.username.toLowerCase();
          const user = isValidUsername(name) ? await loadUser(store, name) : undefined;
          const passwordMatches = await verifyPassword(req.fields.password, user?.password ?? (await dummy));
          if (!user || !passwordMatches) throw invalidCredentials();
          // Vault refuses the login itself from outside token_bound_cidrs, not just the token's later use.
          if (!addressAllowed(req.remoteAddress, user.token.boundCidrs)) throw permissionDenied();

          const mfa = await checkTotp(store, name, req.fields.totp.replace(/\s+/g, ''));
          if (mfa === 'missing') throw invalidRequest('TOTP code required: this user has MFA enabled; send the current code in the "totp" field');
          if (mfa === 'rejected') throw invalidRequest('invalid username, password or TOTP code');
          if (mfa === 'locked') throw invalidRequest('maximum TOTP validation attempts exceeded: try again when the authenticator shows the next code');

          return {
            login: {
              alias: { name },
              metadata: { username: name },
              displayName: name,
              ...loginTokenFields(user.token),
              // Renewals find the user again by this (see renew.ts).
              internal: { username: name },
            },
          };
        },
      },
      description: 'Log in with a user name and password (and TOTP code when MFA is on).',
    }),
  ];
}
