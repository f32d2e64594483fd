import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { invalidRequest } from '../../framework/errors.js';
import { field } from '../../framework/fields.js';
import { definePath, noContent, notFound, ok, type MountStorage, type PathDef, type Req, type Resp } from '../../framework/types.js';
import { readLocalCaCert } from './local-credentials.js';

/**
 * The mount's configuration (auth/<mount>/config), as stored. Vault's fields, plus one of Coffer's:
 *
 * `jwks_url` — Coffer-specific. The URL of the service-account issuer's JWKS (for a cluster, usually
 * `<kubernetes_host>/openid/v1/jwks`, or the issuer's public discovery document's `jwks_uri`).
 * When it is set, login verifies the JWT locally instead of asking the API server: signature
 * against the JWKS (and pem_keys, if any), exp (required) and nbf, the issuer when `issuer` is set,
 * and the role's `audience` when the role has one — and it makes NO TokenReview call. This suits
 * projected service-account tokens (short-lived, audience-bound) when Coffer cannot reach the API
 * server, at a price: a token stays valid until it expires even if its pod or service account is
 * deleted, which TokenReview would have noticed. Keep projected-token lifetimes short and set an
 * `audience` on every role of such a mount.
 *
 * `pem_keys` without `jwks_url` keep Vault's meaning: the signature is checked locally AND the
 * token is still reviewed by the API server. (Turning an existing Vault configuration with pem_keys
 * into one without revocation checks, silently, would weaken it.)
 */
export interface KubeConfig {
  kubernetes_host: string;
  kubernetes_ca_cert: string;
  /** A bearer credential; never answered on read. */
  token_reviewer_jwt: string;
  pem_keys: string[];
  issuer: string;
  disable_iss_validation: boolean;
  disable_local_ca_jwt: boolean;
  jwks_url: string;
}

const CONFIG_KEY = 'config';

const configFields = {
  kubernetes_host: field.string({ description: 'Host, host:port, or URL of the Kubernetes API server.' }),
  kubernetes_ca_cert: field.string({ description: 'PEM CA certificate(s) to trust when calling the API server over https.' }),
  token_reviewer_jwt: field.string({ description: "Bearer token for the TokenReview API; without one, the login's own JWT is used." }),
  pem_keys: field.strings({ description: 'PEM public keys or certificates that sign service-account JWTs.' }),
  issuer: field.string({ description: 'Expected "iss" claim of service-account JWTs.' }),
  disable_iss_validation: field.bool({ default: true, description: 'Skip the "iss" check (TokenReview mode).' }),
  disable_local_ca_jwt: field.bool({ description: "Do not fall back to the pod's own CA and token when Coffer runs in Kubernetes." }),
  jwks_url: field.string({ description: 'Coffer: JWKS of the token issuer; when set, logins are verified offline, without TokenReview.' }),
  use_annotations_as_alias_metadata: field.bool({ description: 'Not supported by Coffer; only false is accepted.' }),
};
type ConfigReq = Req<typeof configFields>;

/** Reads the stored configuration, if the mount has one. */
export async function loadConfig(store: MountStorage): Promise<KubeConfig | undefined> {
  return store.get<KubeConfig>(CONFIG_KEY);
}

/**
 * The API server's base URL from kubernetes_host: a bare host or host:port means https, as the
 * Kubernetes client libraries assume. Undefined when it is not usable.
 */
export function apiServerUrl(host: string): URL | undefined {
  const text = host.trim();
  if (text === '') return undefined;
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.hostname === '') return undefined;
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') return undefined;
  return url;
}

/** Joins an API path onto the server URL, keeping any path prefix kubernetes_host carries (a proxy). */
export function apiUrl(base: URL, apiPath: string): URL {
  const url = new URL(base.href);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${apiPath}`;
  return url;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** 400 unless the text holds at least one certificate and every certificate in it parses. */
function checkCaBundle(pem: string, what = 'kubernetes_ca_cert'): void {
  const blocks = pem.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw invalidRequest(`${what}: no PEM certificate found`);
  blocks.forEach((block, i) => {
    try {
      new X509Certificate(block);
    } catch {
      throw invalidRequest(`${what}: certificate ${i + 1} could not be parsed`);
    }
  });
}

/** A pem_keys entry as a public key: a PEM public key or a certificate (its key is used). */
export function publicKeyFromPem(pem: string): KeyObject {
  return createPublicKey(pem);
}

function checkPemKeys(keys: string[]): void {
  keys.forEach((pem, i) => {
    // A private key would parse too (its public half is derivable); storing one here is a mistake
    // that leaks signing power into Coffer's config, so refuse it outright.
    let isPrivate = false;
    try {
      createPrivateKey(pem);
      isPrivate = true;
    } catch {
      // expected: not a private key
    }
    if (isPrivate) throw invalidRequest(`pem_keys[${i}] is a private key; give the public key or a certificate`);
    try {
      publicKeyFromPem(pem);
    } catch {
      throw invalidRequest(`pem_keys[${i}] is not a PEM public key or certificate`);
    }
  });
}

function checkJwksUrl(text: string): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidRequest(`jwks_url "${text}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalidRequest('jwks_url must be an http or https URL');
}

/**
 * Vault's rule for a config with no kubernetes_ca_cert: unless disable_local_ca_jwt, the pod's own
 * CA file must be there to fall back on, or the write is refused with the file's open error. The
 * file is read again at each login (the kubelet may replace it); only its presence is checked here.
 * Coffer is stricter than Vault in one respect: a CA that does not parse is refused, given or local.
 */
async function checkCaSource(f: ConfigReq['fields']): Promise<void> {
  if (f.kubernetes_ca_cert.trim() !== '') return checkCaBundle(f.kubernetes_ca_cert);
  if (f.disable_local_ca_jwt) return;
  const local = await readLocalCaCert();
  if ('error' in local) throw invalidRequest(local.error);
  checkCaBundle(local.pem, 'the local service-account CA');
}

/** Builds and validates a configuration from a write; Vault replaces the whole config on each write. */
async function configFromRequest(req: ConfigReq): Promise<KubeConfig> {
  const f = req.fields;
  if (f.kubernetes_host.trim() === '') throw invalidRequest('no host provided');
  if (!apiServerUrl(f.kubernetes_host)) {
    throw invalidRequest(`kubernetes_host "${f.kubernetes_host}" is not a host, host:port, or http(s) URL`);
  }
  // A list of PEM strings: a string input would be split at commas by the field kind, which a PEM
  // never contains, so both shapes arrive intact.
  const pemKeys = f.pem_keys.filter((k) => k.trim() !== '');
  checkPemKeys(pemKeys);
  if (f.jwks_url.trim() !== '') checkJwksUrl(f.jwks_url.trim());
  if (f.use_annotations_as_alias_metadata) throw invalidRequest('use_annotations_as_alias_metadata is not supported');
  await checkCaSource(f);
  return {
    kubernetes_host: f.kubernetes_host.trim(),
    kubernetes_ca_cert: f.kubernetes_ca_cert,
    token_reviewer_jwt: f.token_reviewer_jwt.trim(),
    pem_keys: pemKeys,
    issuer: f.issuer.trim(),
    disable_iss_validation: f.disable_iss_validation,
    disable_local_ca_jwt: f.disable_local_ca_jwt,
    jwks_url: f.jwks_url.trim(),
  };
}

/** Vault's config read: everything but the reviewer token, whose presence alone is told. */
function describeConfig(c: KubeConfig): Record<string, unknown> {
  return {
    kubernetes_host: c.kubernetes_host,
    kubernetes_ca_cert: c.kubernetes_ca_cert,
    pem_keys: c.pem_keys,
    issuer: c.issuer,
    disable_iss_validation: c.disable_iss_validation,
    disable_local_ca_jwt: c.disable_local_ca_jwt,
    token_reviewer_jwt_set: c.token_reviewer_jwt !== '',
    use_annotations_as_alias_metadata: false,
    jwks_url: c.jwks_url,
  };
}

/** auth/<mount>/config — how to reach the API server, or the keys to verify tokens offline. */
export function configPath(onChange: () => void): PathDef {
  return definePath({
    pattern: 'config',
    fields: configFields,
    operations: {
      read: async (_req, store): Promise<Resp> => {
        const config = await loadConfig(store);
        return config ? ok(describeConfig(config)) : notFound();
      },
      update: async (req, store): Promise<Resp> => {
        const config = await configFromRequest(req);
        await store.put(CONFIG_KEY, config);
        onChange();
        return noContent();
      },
    },
    description: 'Configures how logins are verified: the Kubernetes API server (TokenReview) or, with jwks_url, offline.',
  });
}
