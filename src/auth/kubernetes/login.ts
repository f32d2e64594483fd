import type { JWTPayload } from 'jose';
import { CofferError, invalidRequest, permissionDenied } from '../../framework/errors.js';
import { addressAllowed } from '../../framework/cidr.js';
import { field } from '../../framework/fields.js';
import { loginTokenFields } from '../../framework/token-params.js';
import { definePath, type LoginResult, type MountStorage, type PathDef, type Req, type Resp } from '../../framework/types.js';
import { loadConfig, type KubeConfig } from './config.js';
import { anyGlobMatches } from './glob.js';
import { readLocalCredentials } from './local-credentials.js';
import type { OfflineVerifier } from './offline-verification.js';
import { checkRoleName, loadRole, type KubeRole } from './role.js';
import { audiencesOf, decodeUnverified, loginRefused, serviceAccountFromClaims, type ServiceAccount } from './service-account.js';
import { reviewToken } from './token-review.js';

/** The issuer of legacy (Secret-based) service-account tokens, checked when iss validation is on. */
const DEFAULT_LEGACY_ISSUER = 'kubernetes/serviceaccount';

export interface LoginContext {
  verifier: OfflineVerifier;
  /** Deadline for each call to the API server or the JWKS URL. */
  timeoutMs: () => number;
}

const loginFields = {
  role: field.string({ description: 'Name of the role to log in with.' }),
  jwt: field.string({ description: 'The service account JWT.' }),
};
type LoginReq = Req<typeof loginFields>;

/** Offline mode (Coffer): a JWKS URL means the issuer's keys are the authority, not the API server. */
const isOffline = (config: KubeConfig) => config.jwks_url !== '';

/** The issuer a token must name, if any (Vault's rules; a set issuer is always checked offline). */
function expectedIssuer(config: KubeConfig): string | undefined {
  if (isOffline(config)) return config.issuer || undefined;
  if (config.disable_iss_validation) return undefined;
  return config.issuer || DEFAULT_LEGACY_ISSUER;
}

/**
 * TokenReview mode: the claims are read without trusting them (the API server will vouch), but
 * checked as Vault checks them, so a token that cannot pass is refused without a call: the
 * signature when pem_keys are configured, exp/nbf when present, issuer, and the role's audience.
 */
async function claimsForReview(jwt: string, config: KubeConfig, role: KubeRole, ctx: LoginContext): Promise<JWTPayload> {
  const issuer = expectedIssuer(config);
  if (config.pem_keys.length > 0) {
    return ctx.verifier.verify(jwt, { jwksUrl: '', pemKeys: config.pem_keys, caCert: undefined }, { issuer, audience: role.audience || undefined, requireExpiry: false });
  }
  const claims = decodeUnverified(jwt);
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.exp === 'number' && claims.exp < now) throw loginRefused('the service account JWT has expired');
  if (typeof claims.nbf === 'number' && claims.nbf > now + 60) throw loginRefused('the service account JWT is not valid yet');
  if (issuer && claims.iss !== issuer) throw loginRefused('the JWT issuer is not the configured issuer');
  if (role.audience && !audiencesOf(claims).includes(role.audience)) throw loginRefused("the JWT audience does not match the role's audience");
  return claims;
}

/** Vault's binding checks, on the names the token claims (confirmed afterwards by the review). */
function checkBindings(role: KubeRole, sa: ServiceAccount): void {
  const names = role.bound_service_account_names;
  if (!(names.length === 1 && names[0] === '*') && !anyGlobMatches(names, sa.name)) {
    throw loginRefused('service account name not authorized');
  }
  const namespaces = role.bound_service_account_namespaces;
  if (!(namespaces.length === 1 && namespaces[0] === '*') && !anyGlobMatches(namespaces, sa.namespace)) {
    throw loginRefused('namespace not authorized');
  }
}

/**
 * Asks the API server about the token and makes sure it vouches for the very account the claims
 * name. The reviewer credential is the configured token_reviewer_jwt, else the pod's own token
 * (when Coffer runs in Kubernetes), else the client's JWT itself, as in Vault.
 */
async function confirmWithApiServer(jwt: string, claims: JWTPayload, sa: ServiceAccount, config: KubeConfig, role: KubeRole, ctx: LoginContext): Promise<ServiceAccount> {
  const local = config.disable_local_ca_jwt ? {} : await readLocalCredentials();
  const ca = config.kubernetes_ca_cert.trim() !== '' ? config.kubernetes_ca_cert : local.caCert;
  // Vault asks for the role's audience, or else for the token's own ones.
  const audiences = role.audience ? [role.audience] : audiencesOf(claims);
  const reviewed = await reviewToken({
    host: config.kubernetes_host,
    caCert: ca,
    reviewerToken: config.token_reviewer_jwt || local.token || jwt,
    jwt,
    audiences,
    timeoutMs: ctx.timeoutMs(),
  });
  if (reviewed.name !== sa.name) throw loginRefused('token review: JWT names did not match');
  if (reviewed.namespace !== sa.namespace) throw loginRefused('token review: JWT namespaces did not match');
  if (sa.uid !== '' && reviewed.uid !== sa.uid) throw loginRefused('token review: JWT UIDs did not match');
  if (role.audience && reviewed.audiences.length > 0 && !reviewed.audiences.includes(role.audience)) {
    throw loginRefused("token review: the token is not valid for the role's audience");
  }
  if (reviewed.uid === '') throw new CofferError('upstream_failed', 'token review failed: the API server did not tell the service account UID');
  return { ...sa, uid: reviewed.uid };
}

function aliasName(role: KubeRole, sa: ServiceAccount): string {
  if (role.alias_name_source === 'serviceaccount_name') return `${sa.namespace}/${sa.name}`;
  if (sa.uid === '') throw loginRefused('the JWT carries no service account UID');
  return sa.uid;
}

async function login(req: LoginReq, store: MountStorage, ctx: LoginContext): Promise<Resp> {
  const roleName = req.fields.role.trim();
  const jwt = req.fields.jwt.trim();
  if (roleName === '') throw invalidRequest('missing role');
  if (jwt === '') throw invalidRequest('missing jwt');
  checkRoleName(roleName);
  const role = await loadRole(store, roleName);
  if (!role) throw invalidRequest(`invalid role name "${roleName}"`);
  // The role's token_bound_cidrs bind the login itself too, not only the tokens it yields.
  if (!addressAllowed(req.remoteAddress, role.token.boundCidrs)) throw permissionDenied();
  const config = await loadConfig(store);
  if (!config) throw new CofferError('config_unusable');

  let sa: ServiceAccount;
  if (isOffline(config)) {
    const claims = await ctx.verifier.verify(
      jwt,
      { jwksUrl: config.jwks_url, pemKeys: config.pem_keys, caCert: config.kubernetes_ca_cert.trim() || undefined },
      { issuer: expectedIssuer(config), audience: role.audience || undefined, requireExpiry: true },
    );
    sa = serviceAccountFromClaims(claims);
    checkBindings(role, sa);
  } else {
    const claims = await claimsForReview(jwt, config, role, ctx);
    sa = serviceAccountFromClaims(claims);
    checkBindings(role, sa);
    sa = await confirmWithApiServer(jwt, claims, sa, config, role, ctx);
  }

  const metadata: Record<string, string> = {
    service_account_name: sa.name,
    service_account_namespace: sa.namespace,
    service_account_uid: sa.uid,
    ...(sa.secretName ? { service_account_secret_name: sa.secretName } : {}),
  };
  const result: LoginResult = {
    alias: { name: aliasName(role, sa), metadata },
    metadata: { ...metadata, role: roleName },
    displayName: `${sa.namespace}-${sa.name}`,
    ...loginTokenFields(role.token),
    // Renewals find the role again by name (see renew.ts).
    internal: { role: roleName },
  };
  return { login: result };
}

/** auth/<mount>/login — a service account trades its JWT for a token (unauthenticated). */
export function loginPath(ctx: LoginContext): PathDef {
  return definePath({
    pattern: 'login',
    fields: loginFields,
    unauthenticated: true,
    operations: { update: (req, store) => login(req, store, ctx) },
    description: 'Logs in with a Kubernetes service account JWT.',
  });
}
