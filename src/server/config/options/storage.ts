import type { ConfigBlock } from '../../config-options.js';

/** `storage "sqlite" | "inmem" | "etcd"`. */
export const STORAGE_BLOCKS: readonly ConfigBlock[] = [
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
];
