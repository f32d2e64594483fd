import { CofferError, invalidRequest, permissionDenied } from '../../framework/errors.js';
import { addressAllowed } from '../../framework/cidr.js';
import { field } from '../../framework/fields.js';
import { loginTokenFields } from '../../framework/token-params.js';
import { definePath, type MountStorage, type PathDef, type Req, type Resp } from '../../framework/types.js';
import { DEFAULT_ALGS } from './algorithms.js';
import { boundClaimsMismatch, getClaim, mappedMetadata, type Claims } from './claims.js';
import { loadConfig } from './config-model.js';
import type { JwtContext } from './context.js';
import { reason } from './failure.js';
import { effectiveLeeway } from './leeway.js';
import { loadRole, type JwtRole } from './role-model.js';
import { checkRegisteredClaims, TokenRejected, verifySignature } from './verify.js';

const fields = {
  role: field.string({ description: 'The role to log in with; the config\'s default_role when empty.' }),
  jwt: field.string({ description: 'The signed JWT.' }),
};
type LoginReq = Req<typeof fields>;

const rejected = (why: string) => invalidRequest(`error validating token: ${why}`);

/** auth/<mount>/login (Vault: POST with role and jwt; unauthenticated). */
export function loginPath(ctx: JwtContext): PathDef {
  async function login(req: LoginReq, store: MountStorage): Promise<Resp> {
    const config = await loadConfig(store);
    if (!config) throw invalidRequest('could not load configuration');
    const roleName = req.fields.role || config.default_role;
    if (!roleName) throw invalidRequest('missing role');
    const role = await loadRole(store, roleName);
    if (!role) throw invalidRequest(`role "${roleName}" could not be found`);
    if (role.role_type === 'oidc') {
      throw invalidRequest(
        'role with oidc role_type is not allowed: Coffer does not serve the interactive OIDC login (auth_url/callback); log in with a role of role_type "jwt"',
      );
    }
    if (!req.fields.jwt) throw invalidRequest('missing token');
    // token_bound_cidrs also bind the login itself, as in Vault.
    if (!addressAllowed(req.remoteAddress, role.token.boundCidrs)) throw permissionDenied();

    const algorithms = config.jwt_supported_algs.length > 0 ? config.jwt_supported_algs : DEFAULT_ALGS;
    let claims: Claims;
    try {
      const keys = ctx.keySource(config);
      claims = await verifySignature(req.fields.jwt, keys, algorithms);
      const issuer = config.bound_issuer || (await keys.expectedIssuer());
      checkRegisteredClaims(claims, {
        issuer: issuer || undefined,
        audiences: role.bound_audiences,
        subject: role.bound_subject,
        now: Math.floor(Date.now() / 1000),
        clockSkew: effectiveLeeway(role.clock_skew_leeway, 'clock_skew_leeway'),
        expirationLeeway: effectiveLeeway(role.expiration_leeway, 'expiration_leeway'),
        notBeforeLeeway: effectiveLeeway(role.not_before_leeway, 'not_before_leeway'),
      });
    } catch (err) {
      if (err instanceof TokenRejected) throw rejected(err.message);
      // A key set or discovery document that cannot be fetched at login is the IdP's failure, not
      // ours: still no 500, and what failed (addresses, socket errors) goes to the log, not to an
      // unauthenticated caller.
      throw new CofferError('invalid_request', 'error validating token: the signing keys could not be fetched', { detail: reason(err) });
    }

    const mismatch = boundClaimsMismatch(role.bound_claims, claims, role.bound_claims_type === 'glob');
    if (mismatch) throw new CofferError('login_refused', `error validating claims: ${mismatch}`);

    return { login: loginResult(roleName, role, claims) };
  }

  return definePath({
    pattern: 'login',
    fields,
    operations: { update: login },
    unauthenticated: true,
    description: 'Exchanges a signed JWT for a Coffer token.',
  });
}

function loginResult(roleName: string, role: JwtRole, claims: Claims) {
  const user = getClaim(claims, role.user_claim, role.user_claim_json_pointer);
  if (user === undefined || user === null || user === '') throw invalidRequest(`claim "${role.user_claim}" not found in token`);
  if (typeof user !== 'string') throw invalidRequest(`claim "${role.user_claim}" could not be converted to string`);
  const mapped = mappedMetadata(role.claim_mappings, claims);
  if ('error' in mapped) throw invalidRequest(mapped.error);
  return {
    alias: { name: user, metadata: mapped.metadata },
    // `role` is set last so that a claim mapping cannot pass for another role.
    metadata: { ...mapped.metadata, role: roleName },
    displayName: user,
    ...loginTokenFields(role.token),
    // Renewals find the role again by name (see renew.ts).
    internal: { role: roleName },
  };
}
