import type { SecureVersion } from 'node:tls';

/** Vault's tls_min_version / tls_max_version values and Node's names for them. */
export const TLS_VERSIONS: Readonly<Record<string, SecureVersion>> = {
  tls10: 'TLSv1',
  tls11: 'TLSv1.1',
  tls12: 'TLSv1.2',
  tls13: 'TLSv1.3',
};

const VERSION_ORDER: readonly SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/** Orders two TLS versions: negative when a is older than b. */
export function compareTlsVersions(a: SecureVersion, b: SecureVersion): number {
  return VERSION_ORDER.indexOf(a) - VERSION_ORDER.indexOf(b);
}

/**
 * Vault takes tls_cipher_suites as Go's crypto/tls constant names; OpenSSL (Node) knows the same
 * suites by other names. TLS 1.3 suites are listed too: Go ignores them in configuration, Node
 * honours them, so naming one restricts TLS 1.3 to the named ones.
 */
const GO_TO_OPENSSL: Readonly<Record<string, string>> = {
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: 'ECDHE-ECDSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: 'ECDHE-RSA-AES128-SHA256',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_CBC_SHA256: 'AES128-SHA256',
  TLS_AES_128_GCM_SHA256: 'TLS_AES_128_GCM_SHA256',
  TLS_AES_256_GCM_SHA384: 'TLS_AES_256_GCM_SHA384',
  TLS_CHACHA20_POLY1305_SHA256: 'TLS_CHACHA20_POLY1305_SHA256',
};

/** Go knows these, but they are broken (RC4, 3DES) and OpenSSL 3 no longer offers them. */
const REFUSED = /_RC4_|_3DES_/;

/** OpenSSL's TLS 1.3 suites; kept when only TLS 1.2 suites are named (as Go does). */
const TLS13_DEFAULT = 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256';

/**
 * Turns Vault's comma-separated tls_cipher_suites into an OpenSSL cipher string for Node's
 * `ciphers` option. Throws an Error naming the first suite it cannot use.
 */
export function opensslCipherList(goNames: string): string {
  const names = goNames.split(',').map((n) => n.trim()).filter((n) => n !== '');
  if (names.length === 0) throw new Error('tls_cipher_suites names no cipher suite');
  const mapped: string[] = [];
  for (const name of names) {
    if (REFUSED.test(name)) throw new Error(`cipher suite ${name} is insecure and not supported`);
    const openssl = GO_TO_OPENSSL[name];
    if (!openssl) throw new Error(`unknown cipher suite ${JSON.stringify(name)} (use Go's names, e.g. TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)`);
    if (!mapped.includes(openssl)) mapped.push(openssl);
  }
  // Node disables TLS 1.3 when the list names no TLS 1.3 suite; Vault's Go keeps its fixed set.
  if (!mapped.some((c) => c.startsWith('TLS_'))) mapped.push(TLS13_DEFAULT);
  return mapped.join(':');
}
