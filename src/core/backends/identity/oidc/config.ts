import { invalidRequest } from '../../../../framework/errors.js';
import { field } from '../../../../framework/fields.js';
import { definePath, noContent, ok, type PathDef, type Req, type Resp } from '../../../../framework/types.js';
import { ALGORITHMS } from '../../../identity/oidc/model.js';
import type { OidcContext } from './context.js';

// identity/oidc/config and the unauthenticated discovery paths, identity/oidc/.well-known/
// openid-configuration and .well-known/keys (Vault: /identity/oidc/config, "Read .well-known
// Configurations", "Read Active Public Keys"). Both .well-known answers are bare JSON, as Vault's.

const configFields = {
  issuer: field.string({ description: "Issuer URL base (scheme, host and optional port) of the tokens' iss claim; empty: the server's api address." }),
};

const EXPLICIT_ISSUER_WARNING =
  'If "issuer" is set explicitly, all tokens must be validated against that address, including those issued by secondary clusters. ' +
  'Setting issuer to "" will restore the default behavior of using the cluster\'s api_addr as the issuer.';

/** Vault's check: http(s), a host, an optional port, and nothing more (no path, query, fragment or user). */
function validIssuer(issuer: string): boolean {
  if (!/^https?:\/\/[^/?#@\s]+$/.test(issuer) || !URL.canParse(issuer)) return false;
  return new URL(issuer).hostname !== '';
}

export function configPaths(ctx: OidcContext): PathDef[] {
  async function readConfig(): Promise<Resp> {
    return ok({ issuer: (await ctx.oidc.config()).issuer });
  }

  async function writeConfig(req: Req<typeof configFields>): Promise<Resp> {
    if (!req.provided('issuer')) return noContent();
    const issuer = req.fields.issuer;
    if (issuer !== '' && !validIssuer(issuer)) {
      throw invalidRequest('invalid issuer, which must include only a scheme, host, and optional port (e.g. https://example.com:8200)');
    }
    await ctx.oidc.serial(() => ctx.oidc.putConfig({ issuer }));
    return issuer === '' ? noContent() : ok(null, { warnings: [EXPLICIT_ISSUER_WARNING] });
  }

  async function discovery(): Promise<Resp> {
    const issuer = await ctx.issuer();
    return {
      bare: {
        issuer,
        jwks_uri: `${issuer}/.well-known/keys`,
        response_types_supported: ['id_token'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: [...ALGORITHMS],
      },
    };
  }

  async function publicKeys(): Promise<Resp> {
    return { bare: { keys: await ctx.oidc.publicKeys(Date.now()) } };
  }

  return [
    definePath({
      pattern: 'oidc/config',
      fields: configFields,
      operations: { read: readConfig, update: writeConfig },
      description: 'The issuer of identity tokens.',
    }),
    definePath({
      pattern: 'oidc/.well-known/openid-configuration',
      fields: {},
      operations: { read: discovery },
      unauthenticated: true,
      description: 'OpenID Provider metadata of the identity token issuer (OIDC Discovery 1.0).',
    }),
    definePath({
      pattern: 'oidc/.well-known/keys',
      fields: {},
      operations: { read: publicKeys },
      unauthenticated: true,
      description: 'The public keys that verify identity tokens (a JWK Set), including rotated keys still within their verification_ttl.',
    }),
  ];
}
