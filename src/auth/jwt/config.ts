import { invalidRequest } from '../../framework/errors.js';
import { field } from '../../framework/fields.js';
import { definePath, noContent, notFound, ok, type MountStorage, type PathDef, type Req, type Resp } from '../../framework/types.js';
import { SUPPORTED_ALGS } from './algorithms.js';
import { CONFIG_KEY, loadConfig, type JwtConfig } from './config-model.js';
import { reason } from './failure.js';
import { checkJwksUrl, fetchDiscovery } from './keys.js';
import { checkCaPem, parsePublicKeyPem } from './pem.js';

const fields = {
  oidc_discovery_url: field.string({ description: 'OIDC Discovery base URL, without .well-known/openid-configuration.' }),
  oidc_discovery_ca_pem: field.string({ description: 'CA certificates (PEM) to trust for the discovery URL.' }),
  jwks_url: field.string({ description: 'JWKS URL to fetch verification keys from.' }),
  jwks_ca_pem: field.string({ description: 'CA certificates (PEM) to trust for the JWKS URL.' }),
  jwt_validation_pubkeys: field.strings({ description: 'PEM public keys or certificates to verify tokens with.' }),
  bound_issuer: field.string({ description: 'The value every token must carry in its iss claim.' }),
  jwt_supported_algs: field.strings({ description: 'Signing algorithms accepted; RS256 when empty.' }),
  default_role: field.string({ description: 'The role used by logins that name none.' }),
};
type ConfigReq = Req<typeof fields>;

async function readConfig(_req: ConfigReq, store: MountStorage): Promise<Resp> {
  const config = await loadConfig(store);
  if (!config) return notFound();
  return ok({ ...config });
}

/** Vault replaces the whole config on write: a field left out goes back to its empty value. */
async function writeConfig(req: ConfigReq, store: MountStorage): Promise<Resp> {
  const f = req.fields;
  const config: JwtConfig = {
    oidc_discovery_url: f.oidc_discovery_url.trim(),
    oidc_discovery_ca_pem: f.oidc_discovery_ca_pem,
    jwks_url: f.jwks_url.trim(),
    jwks_ca_pem: f.jwks_ca_pem,
    jwt_validation_pubkeys: f.jwt_validation_pubkeys,
    bound_issuer: f.bound_issuer,
    jwt_supported_algs: f.jwt_supported_algs,
    default_role: f.default_role,
  };
  await validateConfig(config);
  await store.put(CONFIG_KEY, config);
  return noContent();
}

/** Every check runs before anything is stored: a refused config leaves the old one in place. */
async function validateConfig(config: JwtConfig): Promise<void> {
  const methods = [config.oidc_discovery_url !== '', config.jwks_url !== '', config.jwt_validation_pubkeys.length > 0];
  if (methods.filter(Boolean).length !== 1) {
    throw invalidRequest("exactly one of 'jwt_validation_pubkeys', 'jwks_url' or 'oidc_discovery_url' must be set");
  }
  for (const alg of config.jwt_supported_algs) {
    if (!(SUPPORTED_ALGS as readonly string[]).includes(alg)) {
      throw invalidRequest(`invalid jwt_supported_algs: "${alg}" is not one of ${SUPPORTED_ALGS.join(', ')}`);
    }
  }
  config.jwt_validation_pubkeys.forEach((pem, i) => {
    try {
      parsePublicKeyPem(pem);
    } catch (err) {
      throw invalidRequest(`error parsing public key ${i + 1} of jwt_validation_pubkeys: ${reason(err)}`);
    }
  });
  checkCa(config.oidc_discovery_ca_pem, 'oidc_discovery_ca_pem');
  checkCa(config.jwks_ca_pem, 'jwks_ca_pem');
  if (config.oidc_discovery_url) {
    checkUrl(config.oidc_discovery_url, 'oidc_discovery_url');
    try {
      await fetchDiscovery(config.oidc_discovery_url, config.oidc_discovery_ca_pem);
    } catch (err) {
      throw invalidRequest(`error checking oidc discovery URL: ${reason(err)}`);
    }
  }
  if (config.jwks_url) {
    checkUrl(config.jwks_url, 'jwks_url');
    try {
      await checkJwksUrl(config.jwks_url, config.jwks_ca_pem);
    } catch (err) {
      throw invalidRequest(`error checking jwks URL: ${reason(err)}`);
    }
  }
}

function checkCa(pem: string, name: string): void {
  if (!pem) return;
  try {
    checkCaPem(pem);
  } catch (err) {
    throw invalidRequest(`error parsing ${name}: ${reason(err)}`);
  }
}

function checkUrl(url: string, name: string): void {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
    throw invalidRequest(`${name} must be an http or https URL, got ${JSON.stringify(url)}`);
  }
}

/** auth/<mount>/config (Vault: read and write the mount's validation settings). */
export function configPath(): PathDef {
  return definePath({
    pattern: 'config',
    fields,
    operations: { read: readConfig, update: writeConfig },
    description: 'Where token signatures are verified against, and what every token must carry.',
  });
}
