import type { ConfigBlock } from '../../config-options.js';
import { MIB } from './written.js';

const TLS_VERSION_NAMES = 'tls10, tls11, tls12, tls13';

/** `listener "tcp"`, and the telemetry stanza inside it. */
export const LISTENER_BLOCKS: readonly ConfigBlock[] = [
  {
    id: 'listener "tcp"',
    kind: 'listener',
    label: 'tcp',
    summary: 'A TCP address serving the API, over TLS unless `tls_disable` is set. SIGHUP re-reads its certificate, key and client CA files.',
    options: [
      { name: 'address', type: 'string', default: '"127.0.0.1:8200"', description: '`host:port` to listen on; an IPv6 host goes in brackets (`"[::]:8200"`).', example: '"0.0.0.0:8200"' },
      { name: 'tls_disable', type: 'bool', default: 'false', description: 'Serve plain HTTP. The TLS options below are then ignored.', example: 'true' },
      { name: 'tls_cert_file', type: 'string', description: 'The server certificate (PEM), intermediates after it. Required unless `tls_disable` is set.', example: '"/etc/coffer/tls/cert.pem"' },
      { name: 'tls_key_file', type: 'string', description: "The certificate's private key (PEM). Required unless `tls_disable` is set.", example: '"/etc/coffer/tls/key.pem"' },
      { name: 'tls_min_version', type: 'string', default: '"tls12"', description: `The oldest TLS version accepted: one of ${TLS_VERSION_NAMES}. OpenSSL's default security level still refuses most TLS 1.0 and 1.1 handshakes.`, example: '"tls13"' },
      { name: 'tls_max_version', type: 'string', default: '"tls13"', description: `The newest TLS version offered: one of ${TLS_VERSION_NAMES}; not older than \`tls_min_version\`.`, example: '"tls12"' },
      { name: 'tls_cipher_suites', type: 'string', description: "The TLS 1.2 cipher suites allowed, comma-separated, in Go's names (as Vault takes them), e.g. `TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`. An unknown name, RC4 or 3DES is refused. Unset: Node's defaults.", example: '"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"' },
      { name: 'tls_require_and_verify_client_cert', type: 'bool', default: 'false', description: 'Refuse any connection without a client certificate that chains to `tls_client_ca_file` (or to the system CAs when it is not set). By default a certificate is asked for but not checked.', example: 'true' },
      { name: 'tls_client_ca_file', type: 'string', description: 'The CAs client certificates are verified against; used only with `tls_require_and_verify_client_cert`.', example: '"/etc/coffer/tls/clients-ca.pem"' },
      { name: 'tls_disable_client_certs', type: 'bool', default: 'false', description: 'Do not ask clients for a certificate at all. Excludes `tls_require_and_verify_client_cert`.', example: 'true' },
      { name: 'max_request_size', type: 'int', default: 'the top-level max_request_size', description: 'The largest request body on this listener, in bytes; `0` means the top-level value, a negative number turns the limit off.', example: String(MIB) },
      { name: 'max_request_duration', type: 'duration', default: 'the top-level default_max_request_duration', description: 'How long a request on this listener may take before 503 `context deadline exceeded`; `0` means the top-level value.', example: '"10s"' },
      { name: 'x_forwarded_for_authorized_addrs', type: 'string list', description: 'Proxies (CIDR blocks or addresses) whose `X-Forwarded-For` header is trusted as the client address, for audit, CIDR checks and quotas. Unset or empty: the header is ignored.', example: '["10.0.0.0/8"]' },
      { name: 'x_forwarded_for_hop_skips', type: 'int', default: '0', description: 'How many addresses to skip from the right end of `X-Forwarded-For` before taking the client address.', example: '1' },
      { name: 'x_forwarded_for_reject_not_authorized', type: 'bool', default: 'true', description: 'Refuse a request carrying `X-Forwarded-For` from a peer not in `x_forwarded_for_authorized_addrs` (otherwise: ignore the header).', example: 'false' },
      { name: 'x_forwarded_for_reject_not_present', type: 'bool', default: 'true', description: 'Refuse a request from an authorized proxy that carries no `X-Forwarded-For` (otherwise: use the peer address).', example: 'false' },
      { name: 'secret_read_allowed_cidrs', type: 'string list', description: 'Coffer only: client addresses (CIDR blocks) allowed to read secrets (GET, HEAD, LIST of any `kv` path) on this listener; anyone else gets 403. An empty list denies every read. Unset: no restriction.', example: '["10.1.0.0/16", "127.0.0.1"]' },
      { name: 'telemetry', type: 'block', holds: 'listener "tcp" telemetry', description: 'Metrics access on this listener (below).', example: 'unauthenticated_metrics_access = true' },
    ],
  },
  {
    id: 'listener "tcp" telemetry',
    summary: 'Inside a `listener "tcp"` stanza.',
    options: [{ name: 'unauthenticated_metrics_access', type: 'bool', default: 'false', description: 'Serve `sys/metrics` on this listener without a token, sealed or not (only that path).', example: 'true' }],
  },
];
