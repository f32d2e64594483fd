import { DEFAULT_DEK_CACHE } from '../../../core/data-keys.js';
import { DEFAULT_MAX_REQUEST_DURATION_MS } from '../../../http/request-limits.js';
import type { ConfigBlock } from '../../config-options.js';
import { durationText, MIB } from './written.js';

/** The keys at the top of the file. */
export const TOP_LEVEL_BLOCK: ConfigBlock = {
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
    { name: 'default_max_request_duration', type: 'duration', default: durationText(DEFAULT_MAX_REQUEST_DURATION_MS), description: 'How long a request may take before its client gets 503 `context deadline exceeded`, on every listener that does not set `max_request_duration`. `0` means the default.', example: '"30s"' },
    {
      name: 'dek_cache_ttl',
      type: 'duration',
      default: durationText(DEFAULT_DEK_CACHE.ttlMs),
      description: `How long an unwrapped KV v2 data key stays in memory (at most ${DEFAULT_DEK_CACHE.maxEntries.toLocaleString('en')} keys), so reads ride out a short KMS outage. \`0\` turns the cache off. Plaintext secrets are never cached.`,
      example: '"1m"',
    },
    { name: 'kms_rewrap', type: 'block', holds: 'kms_rewrap', description: 'The background worker that re-wraps KV data keys under the current KMS key version (below).', example: 'enabled = true' },
    { name: 'telemetry', type: 'block', holds: 'telemetry', description: "Vault's telemetry stanza (below). Metrics are always served at `sys/metrics`.", example: 'disable_hostname = true' },
    { name: 'disable_mlock', type: 'bool', default: 'false', description: 'Accepted for Vault compatibility; no effect (Node.js cannot lock its memory).', example: 'true' },
    { name: 'cluster_name', type: 'string', description: 'Accepted for Vault compatibility; no effect: the cluster name (`sys/seal-status`) is made at `sys/init`.', example: '"prod"' },
  ],
};
