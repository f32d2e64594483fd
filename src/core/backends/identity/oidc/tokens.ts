import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import { invalidRequest } from '../../../../framework/errors.js';
import { field } from '../../../../framework/fields.js';
import { definePath, ok, type PathDef, type Req, type Resp } from '../../../../framework/types.js';
import { ALGORITHMS } from '../../../identity/oidc/model.js';
import { signClaims } from '../../../identity/oidc/signing-keys.js';
import { templateClaims } from '../../../identity/oidc/template.js';
import { nameOf, type OidcContext } from './context.js';

// identity/oidc/token/:name and identity/oidc/introspect (Vault: "Generate a Signed ID Token",
// "Introspect a signed ID Token"): a JWT about the caller's own entity, and its check.

const tokenFields = { name: field.string({ description: 'The role to make the token with.' }) };
const introspectFields = {
  token: field.string({ description: 'An identity token to check.' }),
  client_id: field.string({ description: 'When set, the token must be for this client id (aud).' }),
};

/** go-jose's leeway in Vault's introspection (jwt.Claims.Validate): a minute either way. */
const INTROSPECT_LEEWAY_SECONDS = 60;

/** Vault reports a claim that fails with go-jose's words. */
const CLAIM_ERRORS: Record<string, string> = {
  iss: 'validation failed, invalid issuer claim (iss)',
  aud: 'validation failed, invalid audience claim (aud)',
  exp: 'validation failed, token is expired (exp)',
  nbf: 'validation failed, token not valid yet (nbf)',
  iat: 'validation failed, token issued in the future (iat)',
};

export function tokenPaths(ctx: OidcContext): PathDef[] {
  const { oidc } = ctx;

  /**
   * Vault's pathOIDCGenerateToken: the role and its key must exist, the key must allow the role's
   * client id, and the caller's token must have an entity — in this namespace, whose identity store
   * holds its entities (a token of another namespace has none here).
   */
  async function generate(req: Req<typeof tokenFields>): Promise<Resp> {
    const name = nameOf(req);
    const role = (await oidc.role(name))?.value;
    if (!role) throw invalidRequest(`role "${name}" not found`);
    const key = (await oidc.key(role.key))?.value;
    if (!key) throw invalidRequest(`key "${role.key}" not found`);
    if (!key.allowedClientIds.includes('*') && !key.allowedClientIds.includes(role.clientId)) {
      throw invalidRequest(`the key "${role.key}" does not list the client ID of the role "${name}" as an allowed client ID`);
    }
    const caller = req.caller;
    const identity = ctx.identity();
    const inNamespace = (caller?.namespaceId || 'root') === ctx.namespaceId;
    const entity = caller?.entityId && inNamespace ? identity.entity(caller.entityId) : undefined;
    const context = entity && identity.templateContext(entity.id);
    if (!entity || !context) throw invalidRequest("no entity associated with the request's token");

    const warnings: string[] = [];
    let ttl = role.ttl;
    if (ttl > key.verificationTtl) {
      ttl = key.verificationTtl;
      warnings.push(`a role's token ttl cannot be longer than the verification_ttl of the key it references, setting token ttl to ${ttl}`);
    }
    const now = Date.now();
    const issuedAt = Math.floor(now / 1000);
    const claims: JWTPayload = { iss: await ctx.issuer(), namespace: ctx.namespaceId, sub: entity.id, aud: role.clientId, exp: issuedAt + ttl, iat: issuedAt };
    let extra: Record<string, unknown> = {};
    try {
      extra = templateClaims(role.template, context, now);
    } catch (err) {
      // As Vault: a template that fails for this entity still gives a token, with the base claims only.
      ctx.core.logger.warn({ role: name, mount: ctx.mount.path, error: (err as Error).message }, 'identity token template could not be rendered; its claims were left out');
    }
    const token = await signClaims(key, { ...extra, ...claims });
    return ok({ token, client_id: role.clientId, ttl: role.ttl }, warnings.length > 0 ? { warnings } : {});
  }

  /**
   * Vault's pathOIDCIntrospect: signature against the published keys, issuer, time (with go-jose's
   * minute of leeway), the audience when a client id is given, and the entity still there and
   * enabled. Always a 200 with {active}, and the reason when it is not.
   */
  async function introspect(req: Req<typeof introspectFields>): Promise<Resp> {
    const answer = (error?: string): Resp => ({ bare: error === undefined ? { active: true } : { active: false, error } });
    const { token, client_id: clientId } = req.fields;
    try {
      decodeProtectedHeader(token);
      decodeJwt(token);
    } catch (err) {
      return answer(`error parsing token: ${(err as Error).message}`);
    }
    const options: JWTVerifyOptions = { issuer: await ctx.issuer(), algorithms: [...ALGORITHMS], clockTolerance: INTROSPECT_LEEWAY_SECONDS, ...(clientId ? { audience: clientId } : {}) };
    let payload: JWTPayload;
    try {
      payload = await verify(token, await oidc.publicKeys(Date.now()), options);
    } catch (err) {
      if (err instanceof errors.JWTClaimValidationFailed) return answer(`error validating claims: ${CLAIM_ERRORS[err.claim] ?? err.message}`);
      if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return answer(`error parsing token: ${err.message}`);
      if (err instanceof errors.JOSEError) return answer('unable to validate the token signature');
      throw err;
    }
    const entity = ctx.identity().entity(typeof payload.sub === 'string' ? payload.sub : '');
    if (!entity) return answer('entity was not found');
    if (entity.disabled) return answer('entity is disabled');
    return answer();
  }

  return [
    definePath({
      pattern: 'oidc/token/:name',
      fields: tokenFields,
      operations: { read: generate },
      // A bearer credential: refused to clients outside a listener's secret_read_allowed_cidrs.
      returnsSecret: ['read'],
      description: "Make an identity token (a signed JWT) about the calling token's entity with a role.",
    }),
    definePath({
      pattern: 'oidc/introspect',
      fields: introspectFields,
      operations: { update: introspect },
      description: 'Check an identity token: its signature, claims, and that its entity still exists and is enabled.',
    }),
  ];
}

/** Verifies against a key set; a token without `kid` that several keys fit is tried with each (Vault tries every key). */
async function verify(token: string, keys: Parameters<typeof createLocalJWKSet>[0]['keys'], options: JWTVerifyOptions): Promise<JWTPayload> {
  try {
    return (await jwtVerify(token, createLocalJWKSet({ keys }), options)).payload;
  } catch (err) {
    if (!(err instanceof errors.JWKSMultipleMatchingKeys)) throw err;
    let failure: unknown = err;
    for await (const key of err) {
      try {
        return (await jwtVerify(token, key, options)).payload;
      } catch (next) {
        failure = next;
      }
    }
    throw failure;
  }
}
