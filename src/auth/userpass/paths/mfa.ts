import { invalidRequest } from '../../../framework/errors.js';
import { field } from '../../../framework/fields.js';
import { definePath, noContent, notFound, ok, type PathDef } from '../../../framework/types.js';
import { newTotp, totpUrl, type TotpEntry } from '../totp.js';
import { commit, contended, loadUser, totpKey, userKey, type UserEntry } from '../user-store.js';
import { normalizeUsername } from '../username.js';

const totpFields = {
  username: field.string({ required: true }),
  issuer: field.string({ default: 'Coffer', description: 'Issuer shown by authenticator apps.' }),
  account_name: field.string({ description: 'Account shown by authenticator apps; default: the user name.' }),
  algorithm: field.string({ default: 'SHA1', description: 'HMAC algorithm: SHA1 (default), SHA256 or SHA512.' }),
  digits: field.int({ default: 6, description: 'Code length: 6 (default) or 8.' }),
  period: field.duration({ default: 30, description: 'Seconds each code is valid for; default 30.' }),
};

const ATTEMPTS = 10;

/**
 * users/:username/mfa/totp: Coffer's per-user TOTP second factor (see totp.ts; not Vault's login
 * MFA API). Writing generates a new seed, answers it once, and from then on login needs a code.
 */
export function mfaPaths(): PathDef[] {
  return [
    definePath({
      pattern: 'users/:username/mfa/totp',
      fields: totpFields,
      operations: {
        update: async (req, store) => {
          const name = normalizeUsername(req.fields.username);
          const f = req.fields;
          const entry = newTotp({ issuer: f.issuer, accountName: f.account_name || name, algorithm: f.algorithm, digits: f.digits, period: f.period });
          // Conditioned on the user as read, so a seed is never left behind for a user deleted meanwhile.
          for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
            const user = await store.getVersioned<UserEntry>(userKey(name));
            if (!user) throw invalidRequest(`user "${name}" does not exist`);
            const written = await commit(store, [{ type: 'put', key: totpKey(name), value: entry }], [{ type: 'version', key: userKey(name), version: user.version }]);
            // The seed is answered this once and never again; wrap the response to hand it over safely.
            if (written) return ok({ url: totpUrl(entry), key: entry.secret });
          }
          throw contended(name);
        },
        read: async (req, store) => {
          const name = normalizeUsername(req.fields.username);
          if (!(await loadUser(store, name))) return notFound();
          const entry = await store.get<TotpEntry>(totpKey(name));
          if (!entry) return ok({ enabled: false });
          return ok({ enabled: true, issuer: entry.issuer, account_name: entry.accountName, algorithm: entry.algorithm, digits: entry.digits, period: entry.period });
        },
        delete: async (req, store) => {
          await store.delete(totpKey(normalizeUsername(req.fields.username)));
          return noContent();
        },
      },
      description: "Turn on TOTP for a user (a new seed each time), see whether it is on, or turn it off.",
    }),
  ];
}
