import type { SecureVersion } from 'node:tls';
import { compareTlsVersions, opensslCipherList, TLS_VERSIONS } from '../../http/tls-config.js';
import { truthy } from './booleans.js';
import type { ListenerConfig } from './listener.js';
import type { BlockAt } from './problem.js';
import type { Json } from './syntax.js';

/** A listener's TLS options (Vault's tcp listener tls_* parameters), checked. */
export function listenerTls(body: Json, at: BlockAt): Partial<ListenerConfig> {
  const version = (key: string, fallback: SecureVersion): SecureVersion => {
    const value = body[key];
    if (value === undefined || value === '') return fallback;
    const node = typeof value === 'string' ? TLS_VERSIONS[value] : undefined;
    if (!node) return at.fail(key, `${key} must be one of tls10, tls11, tls12, tls13, got ${JSON.stringify(value)}`);
    return node;
  };
  const tlsMinVersion = version('tls_min_version', 'TLSv1.2');
  const tlsMaxVersion = version('tls_max_version', 'TLSv1.3');
  if (compareTlsVersions(tlsMinVersion, tlsMaxVersion) > 0) {
    at.fail('tls_max_version', `tls_max_version (${String(body.tls_max_version)}) is older than tls_min_version (${String(body.tls_min_version ?? 'tls12')})`);
  }
  const out: Partial<ListenerConfig> = { tlsMinVersion, tlsMaxVersion };
  const suites = body.tls_cipher_suites;
  if (suites !== undefined && suites !== '') {
    if (typeof suites !== 'string') at.fail('tls_cipher_suites', 'tls_cipher_suites must be a comma-separated string');
    try {
      out.tlsCiphers = opensslCipherList(suites as string);
    } catch (err) {
      at.fail('tls_cipher_suites', `tls_cipher_suites: ${(err as Error).message}`);
    }
  }
  out.tlsRequireAndVerifyClientCert = truthy(body.tls_require_and_verify_client_cert);
  out.tlsDisableClientCerts = truthy(body.tls_disable_client_certs);
  if (out.tlsRequireAndVerifyClientCert && out.tlsDisableClientCerts) {
    at.fail('tls_disable_client_certs', "'tls_disable_client_certs' and 'tls_require_and_verify_client_cert' are mutually exclusive");
  }
  const caFile = body.tls_client_ca_file;
  if (caFile !== undefined && caFile !== '') {
    if (typeof caFile !== 'string') at.fail('tls_client_ca_file', 'tls_client_ca_file must be a file path');
    out.tlsClientCaFile = caFile as string;
  }
  return out;
}
