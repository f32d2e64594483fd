import { DEFAULT_DEK_CACHE } from '../core/data-keys.js';
import { DEFAULT_REWRAP } from '../core/rewrap/worker.js';
import { DEFAULT_MAX_REQUEST_DURATION_MS } from '../http/request-limits.js';
import { PKCS11_MECHANISMS, PKCS11_PIN_ENV } from '../kms/pkcs11.js';
import { LOCAL_MASTER_KEY_ENV } from '../kms/local.js';

/**
 * Every option the server configuration accepts, block by block: the one table that the config
 * loader checks keys against (src/server/config.ts) and that docs/CONFIGURATION.md is generated
 * from (src/server/config-reference.ts). An option missing here is refused at load, naming its line.
 */

/** How an option is written. `block`: an unlabelled stanza; `labelled block`: `kind "label" { ... }`. */
export type OptionType = 'string' | 'bool' | 'int' | 'number' | 'duration' | 'string list' | 'block' | 'labelled block';

export interface ConfigOption {
  name: string;
  type: OptionType;
  /** The default as written in a config file; absent when there is none (the option stays unset). */
  default?: string;
  required?: boolean;
  /** One paragraph, in our words; Markdown. */
  description: string;
  /** The value part of an example line (`name = <example>`); for blocks, the block's body lines. */
  example: string;
  /** For `block`: the id of the block it holds. For `labelled block`: the kind its labels are looked up under. */
  holds?: string;
}

export interface ConfigBlock {
  /** How the block is written and named in errors: `storage "etcd"`, `kms_rewrap`, `listener "tcp" telemetry`; '' is the top level. */
  id: string;
  /** For a labelled block: its kind and label (`storage`, `etcd`), looked up by a `labelled block` option. */
  kind?: string;
  label?: string;
  /** What the block is for; Markdown. */
  summary: string;
  options: ConfigOption[];
  /** Appended to the error for an unknown option. */
  unknownHint?: string;
}

const MIB = 1024 * 1024;
const seconds = (ms: number) => (ms % 60_000 === 0 ? `"${ms / 60_000}m"` : `"${ms / 1000}s"`);

const DISABLED: ConfigOption = {
  name: 'disabled',
  type: 'bool',
  default: 'false',
  description:
    'Marks the seal a store is migrating **from**. Keep the old stanza with `disabled = "true"` next to the new one, restart, and unseal once with `coffer operator unseal -migrate`. Only Shamir to a KMS seal, or back, is supported; a disabled KMS stanza on its own migrates to Shamir.',
  example: '"true"',
};

const TLS_VERSION_NAMES = 'tls10, tls11, tls12, tls13';

export const CONFIG_BLOCKS: readonly ConfigBlock[] = [
  {
    id: '',
    summary: 'Keys at the top of the file. Exactly one `storage` stanza and at least one `listener` are required.',
    options: [
      { name: 'storage', type: 'labelled block', holds: 'storage', required: true, description: 'Where the encrypted data lives: `sqlite`, `inmem` or `etcd` (below).', example: '"sqlite" {\n  path = "/var/lib/coffer/coffer.db"\n}' },
      { name: 'backend', type: 'labelled block', holds: 'storage', description: 'The old name of `storage`, accepted as Vault accepts it. Give one or the other, not both.', example: '"sqlite" {\n  path = "/var/lib/coffer/coffer.db"\n}' },
      { name: 'listener', type: 'labelled block', holds: 'listener', required: true, description: 'An address to serve the API on; repeat the stanza for several. Only `tcp` exists.', example: '"tcp" {\n  address     = "127.0.0.1:8200"\n  tls_disable = true\n}' },
      {
        name: 'seal',
        type: 'labelled block',
        holds: 'seal',
        default: '"shamir"',
        description:
          'What protects the root key. Without a `seal` stanza it is `shamir`, as in Vault: `coffer operator init` splits an unseal key into shares, and the server starts sealed every time. At most one enabled stanza, plus one with `disabled = "true"` during a seal migration.',
        example: '"awskms" {\n  kms_key_id = "alias/coffer"\n}',
      },
      { name: 'api_addr', type: 'string', description: "This node's address as clients reach it, a URL. Required with `storage \"etcd\" { ha_enabled = true }`: standbys forward requests to the active node's `api_addr`.", example: '"https://10.0.0.5:8200"' },
      { name: 'cluster_addr', type: 'string', description: "This node's cluster address, a URL; reported by `sys/leader` and `sys/ha-status`. No cluster port is opened: nodes talk over `api_addr`.", example: '"https://10.0.0.5:8201"' },
      { name: 'disable_clustering', type: 'bool', default: 'false', description: 'While this node is active, standbys do not forward requests to it: they answer the client with a 307 redirect to it instead (HA only).', example: 'true' },
      { name: 'ui', type: 'bool', default: 'false', description: 'Accepted for Vault compatibility. Coffer has no web UI yet, so `ui = true` starts nothing until the UI lands.', example: 'true' },
      { name: 'log_level', type: 'string', default: '"info"', description: 'The least severe log level written: `trace`, `debug`, `info`, `warn` or `error`. `sys/loggers` changes it at runtime.', example: '"debug"' },
      { name: 'log_format', type: 'string', default: '"json"', description: '`json` (one JSON object per line) or `standard` (Vault\'s one-line human format).', example: '"standard"' },
      { name: 'max_request_size', type: 'int', default: String(32 * MIB), description: 'The largest request body accepted, in bytes, on every listener that does not set its own; larger ones get 413.', example: String(8 * MIB) },
      { name: 'default_max_request_duration', type: 'duration', default: seconds(DEFAULT_MAX_REQUEST_DURATION_MS), description: 'How long a request may take before its client gets 503 `context deadline exceeded`, on every listener that does not set `max_request_duration`. `0` means the default.', example: '"30s"' },
      {
        name: 'dek_cache_ttl',
        type: 'duration',
        default: seconds(DEFAULT_DEK_CACHE.ttlMs),
        description: `How long an unwrapped KV v2 data key stays in memory (at most ${DEFAULT_DEK_CACHE.maxEntries.toLocaleString('en')} keys), so reads ride out a short KMS outage. \`0\` turns the cache off. Plaintext secrets are never cached.`,
        example: '"1m"',
      },
      { name: 'kms_rewrap', type: 'block', holds: 'kms_rewrap', description: 'The background worker that re-wraps KV data keys under the current KMS key version (below).', example: 'enabled = true' },
      { name: 'telemetry', type: 'block', holds: 'telemetry', description: "Vault's telemetry stanza (below). Metrics are always served at `sys/metrics`.", example: 'disable_hostname = true' },
      { name: 'disable_mlock', type: 'bool', default: 'false', description: 'Accepted for Vault compatibility; no effect (Node.js cannot lock its memory).', example: 'true' },
      { name: 'cluster_name', type: 'string', description: 'Accepted for Vault compatibility; no effect: the cluster name (`sys/seal-status`) is made at `sys/init`.', example: '"prod"' },
    ],
  },
  {
    id: 'storage "sqlite"',
    kind: 'storage',
    label: 'sqlite',
    summary: 'One SQLite file on local disk (WAL mode). The default storage: no other process to run.',
    options: [{ name: 'path', type: 'string', required: true, description: 'The database file; it and its directory are created when missing. One Coffer process owns it.', example: '"/var/lib/coffer/coffer.db"' }],
  },
  {
    id: 'storage "inmem"',
    kind: 'storage',
    label: 'inmem',
    summary: 'Memory only: everything is lost when the process ends. For tests. Takes no options.',
    options: [],
  },
  {
    id: 'storage "etcd"',
    kind: 'storage',
    label: 'etcd',
    summary: 'An etcd v3 cluster: a write is acknowledged once etcd committed it to a quorum. With `ha_enabled`, several Coffer nodes share it, one active and the others standbys.',
    options: [
      { name: 'endpoints', type: 'string list', required: true, description: 'The etcd members, each `http(s)://host:port`; a list or one comma-separated string.', example: '["https://10.0.0.1:2379", "https://10.0.0.2:2379"]' },
      { name: 'address', type: 'string', description: "Vault's name for `endpoints`: a comma-separated string. Used when `endpoints` is absent.", example: '"https://10.0.0.1:2379,https://10.0.0.2:2379"' },
      { name: 'prefix', type: 'string', default: '"/coffer/"', description: 'Every key lives under this prefix (a `/` is added at the end when missing). Nodes of one HA cluster share it.', example: '"/prod/coffer/"' },
      { name: 'path', type: 'string', description: "Vault's name for `prefix`. Used when `prefix` is absent.", example: '"/prod/coffer/"' },
      { name: 'ha_enabled', type: 'bool', default: 'false', description: 'Elect one active node through an etcd lease; the others are standbys that forward requests to it. Needs `api_addr`.', example: 'true' },
      { name: 'username', type: 'string', description: 'etcd user to authenticate as.', example: '"coffer"' },
      { name: 'password', type: 'string', description: "That user's password; needs `username`.", example: '"..."' },
      { name: 'tls_ca_file', type: 'string', description: "The CA that etcd's certificates chain to. Required with `https` endpoints or client certificates.", example: '"/etc/coffer/etcd-ca.pem"' },
      { name: 'tls_cert_file', type: 'string', description: 'Client certificate presented to etcd; give `tls_key_file` with it.', example: '"/etc/coffer/etcd-client.pem"' },
      { name: 'tls_key_file', type: 'string', description: "The client certificate's private key.", example: '"/etc/coffer/etcd-client-key.pem"' },
    ],
  },
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
  {
    id: 'seal "shamir"',
    kind: 'seal',
    label: 'shamir',
    summary: 'The default. The root key is wrapped by an unseal key that `coffer operator init` splits into shares; enough of them unseal the server after every start (`coffer operator unseal`).',
    options: [DISABLED],
  },
  {
    id: 'seal "local"',
    kind: 'seal',
    label: 'local',
    summary: `Auto-unseal with a 32-byte key kept outside the store: \`${LOCAL_MASTER_KEY_ENV}\` in the environment (base64), or \`key_file\`. Without either the server refuses to start, unless \`ephemeral = true\`.`,
    options: [
      { name: 'key_file', type: 'string', description: 'A file holding the key: 32 raw bytes, base64 of 32 bytes, or JSON `{"keys": [{"version": 1, "key": "<base64>"}, ...]}` for rotated keys (the newest wraps). Not together with the environment variable.', example: '"/etc/coffer/seal.key"' },
      { name: 'ephemeral', type: 'bool', default: 'false', description: 'Run on a random key made at start, knowingly: the store cannot be unsealed once the process ends. A warning is logged and `sys/seal-status` says `ephemeral`. Excludes `key_file`.', example: 'true' },
      DISABLED,
    ],
  },
  {
    id: 'seal "awskms"',
    kind: 'seal',
    label: 'awskms',
    summary: 'Auto-unseal with an AWS KMS key. Credentials come from the standard AWS environment (`AWS_ACCESS_KEY_ID`, `AWS_PROFILE`, an instance role...), never from this file.',
    options: [
      { name: 'kms_key_id', type: 'string', required: true, description: 'The id, ARN or alias of a symmetric KMS key.', example: '"alias/coffer"' },
      { name: 'region', type: 'string', description: "The key's region. Unset: the SDK's own resolution (`AWS_REGION`, the shared config...).", example: '"eu-west-1"' },
      { name: 'endpoint', type: 'string', description: 'Another KMS endpoint, an http(s) URL (a VPC endpoint, a local KMS for tests).', example: '"https://kms.eu-west-1.amazonaws.com"' },
      DISABLED,
    ],
    unknownHint: ' (credentials come from the standard AWS environment: AWS_ACCESS_KEY_ID, AWS_PROFILE, an instance role...)',
  },
  {
    id: 'seal "pkcs11"',
    kind: 'seal',
    label: 'pkcs11',
    summary: 'Auto-unseal with an AES key in an HSM, through its PKCS#11 library.',
    options: [
      { name: 'lib', type: 'string', required: true, description: "The path of the HSM's PKCS#11 library.", example: '"/usr/lib/softhsm/libsofthsm2.so"' },
      { name: 'slot', type: 'int', description: 'The slot id, decimal or `0x` hex (a number or a string). Give `slot` or `token_label`, not both.', example: '"0x1"' },
      { name: 'token_label', type: 'string', description: 'The label of the token to use, instead of `slot`.', example: '"coffer"' },
      { name: 'pin', type: 'string', description: `The user pin. \`${PKCS11_PIN_ENV}\` in the environment takes its place when set, which keeps it out of the file.`, example: '"1234"' },
      { name: 'key_label', type: 'string', required: true, description: 'The label of the AES key.', example: '"coffer-seal"' },
      { name: 'mechanism', type: 'string', default: `"${PKCS11_MECHANISMS[0]}"`, description: `The encryption mechanism: ${PKCS11_MECHANISMS.map((m) => `\`${m}\``).join(', ')}.`, example: `"${PKCS11_MECHANISMS[0]}"` },
      { name: 'generate_key', type: 'bool', default: 'false', description: 'Create the key in the token when no key has `key_label`.', example: 'true' },
      DISABLED,
    ],
  },
  {
    id: 'seal "transit"',
    kind: 'seal',
    label: 'transit',
    summary: "Auto-unseal through another Coffer's (or Vault's) transit engine: the key never leaves that server.",
    options: [
      { name: 'address', type: 'string', required: true, description: 'The transit server, an http(s) URL.', example: '"https://coffer-a:8200"' },
      { name: 'token', type: 'string', description: 'A token allowed to encrypt and decrypt with the key. Unset: `VAULT_TOKEN` from the environment.', example: '"hvs.…"' },
      { name: 'key_name', type: 'string', required: true, description: 'The transit key to wrap with.', example: '"autounseal"' },
      { name: 'mount_path', type: 'string', default: '"transit/"', description: 'Where the transit engine is mounted on that server.', example: '"seal-transit/"' },
      { name: 'tls_ca_file', type: 'string', description: "The CA that the transit server's certificate chains to.", example: '"/etc/coffer/transit-ca.pem"' },
      { name: 'tls_skip_verify', type: 'bool', default: 'false', description: "Do not verify the transit server's certificate. For tests only.", example: 'true' },
      { name: 'namespace', type: 'string', description: 'Accepted only empty: namespaces are not supported.', example: '""' },
      { name: 'disable_renewal', type: 'bool', default: 'false', description: 'Accepted for Vault compatibility; no effect (the token is not renewed).', example: 'true' },
      DISABLED,
    ],
  },
  {
    id: 'telemetry',
    summary:
      "Vault's top-level telemetry stanza. Coffer always serves its metrics in Prometheus form at `sys/metrics` and forwards them nowhere, so the options below are accepted for compatibility and change nothing; Vault's sink options (statsd, statsite, Circonus, DogStatsD, Stackdriver) are refused.",
    options: [
      { name: 'usage_gauge_period', type: 'duration', default: '"10m"', description: 'Accepted; no effect.', example: '"5m"' },
      { name: 'maximum_gauge_cardinality', type: 'int', default: '500', description: 'Accepted; no effect.', example: '100' },
      { name: 'disable_hostname', type: 'bool', default: 'false', description: 'Accepted; no effect (metric names never carry the host name).', example: 'true' },
      { name: 'enable_hostname_label', type: 'bool', default: 'false', description: 'Accepted; no effect.', example: 'true' },
      { name: 'metrics_prefix', type: 'string', default: '"vault"', description: 'Accepted; no effect: metric names always begin with `coffer_`.', example: '"coffer"' },
      { name: 'lease_metrics_epsilon', type: 'duration', default: '"1h"', description: 'Accepted; no effect.', example: '"30m"' },
      { name: 'num_lease_metrics_buckets', type: 'int', default: '168', description: 'Accepted; no effect.', example: '24' },
      { name: 'add_lease_metrics_namespace_labels', type: 'bool', default: 'false', description: 'Accepted; no effect.', example: 'true' },
      { name: 'filter_default', type: 'bool', default: 'true', description: 'Accepted; no effect.', example: 'false' },
      { name: 'prefix_filter', type: 'string list', description: 'Accepted; no effect.', example: '["-vault.expire"]' },
      { name: 'prometheus_retention_time', type: 'duration', default: '"24h"', description: 'Accepted; no effect (`sys/metrics` always answers with current values).', example: '"30s"' },
    ],
    unknownHint: ' (Coffer forwards metrics to no sink: scrape sys/metrics instead)',
  },
  {
    id: 'kms_rewrap',
    summary: "Coffer only: a background worker that moves KV v2 data keys (and the root key) onto the KMS's current key version after a KMS key rotation, so the old version can be retired. Only the active node runs it; `POST sys/kms/rewrap` starts a pass now and `sys/kms/rewrap/status` reports progress.",
    options: [
      { name: 'enabled', type: 'bool', default: String(DEFAULT_REWRAP.enabled), description: 'Run the worker.', example: 'true' },
      { name: 'max_per_sec', type: 'number', default: String(DEFAULT_REWRAP.maxPerSec), description: 'The most data keys re-wrapped per second, to spare the KMS.', example: '20' },
      { name: 'interval', type: 'duration', default: seconds(DEFAULT_REWRAP.intervalMs), description: 'How often the worker asks the KMS for its current key version; at least `"1s"`.', example: '"10m"' },
    ],
  },
];

/** The block with this id (as written: `storage "etcd"`, `kms_rewrap`; '' is the top level). */
export function configBlock(id: string): ConfigBlock | undefined {
  return CONFIG_BLOCKS.find((block) => block.id === id);
}

/** The labelled block `kind "label"`, if that label exists. */
export function labelledBlock(kind: string, label: string): ConfigBlock | undefined {
  return CONFIG_BLOCKS.find((block) => block.kind === kind && block.label === label);
}

/** The labels a kind supports, in table order: `seal` → local, shamir... */
export function labelsOf(kind: string): string[] {
  return CONFIG_BLOCKS.filter((block) => block.kind === kind).map((block) => block.label!);
}
